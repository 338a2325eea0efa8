import type { Command } from 'commander';
import type { MigrateFlags } from '../commands/migrate.js';
import { withConfigFlags } from '../flags.js';

export function registerMigrate(program: Command): void {
  withConfigFlags(
    program
      .command('migrate')
      .description('create or upgrade tally\'s tables in ClickHouse (CLICKHOUSE_URL) or the embedded chDB store')
      .option('--cluster <name>', 'use ON CLUSTER and Replicated engines (default clickhouse.cluster)')
      .option('--shards', 'with --cluster: the multi-shard layout, Distributed tables sharded by tenant over Replicated <table>_local ones (default clickhouse.shards)')
      .option('--print', 'print every statement of the layout instead of running them (nothing is connected to)')
      .option('--retention-months <n>', 'months of raw events to keep; alters existing tables when given')
      .option('--json', 'print the result as JSON'),
    { dataDir: true },
  ).action(async (flags: MigrateFlags) => (await import('../commands/migrate.js')).runMigrate(flags));
}
