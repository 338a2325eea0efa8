/** `tally migrate` — applies the versioned schema migrations; idempotent. */
import type { Command } from 'commander';
import { describeStore, openStore } from '../../runtime/adapters.js';
import { migrate } from '../../store/migrate.js';
import { cliContext, withConfigFlags, type ConfigFlags } from '../context.js';
import { printJson } from '../output.js';

interface MigrateFlags extends ConfigFlags {
  readonly cluster?: string;
  readonly retentionMonths?: string;
  readonly json?: boolean;
}

export function registerMigrate(program: Command): void {
  withConfigFlags(
    program
      .command('migrate')
      .description('create or upgrade tally\'s tables in ClickHouse (CLICKHOUSE_URL) or the embedded chDB store')
      .option('--cluster <name>', 'use ON CLUSTER and Replicated engines (default clickhouse.cluster)')
      .option('--retention-months <n>', 'months of raw events to keep; alters existing tables when given')
      .option('--json', 'print the result as JSON'),
    { dataDir: true },
  ).action(async (flags: MigrateFlags) => {
    const { config, logger } = cliContext(flags);
    const store = await openStore(config, logger);
    try {
      const cluster = flags.cluster ?? config.clickhouse.cluster;
      const result = await migrate(store, {
        ...(cluster ? { cluster } : {}),
        ...(flags.retentionMonths ? { retentionMonths: Number(flags.retentionMonths) } : {}),
        logger,
      });
      if (flags.json) {
        printJson({ store: describeStore(config), ...result });
        return;
      }
      const applied = result.applied.map((m) => `  applied ${String(m.version).padStart(4, '0')} ${m.name}`);
      process.stdout.write(`${describeStore(config)}: ${result.applied.length === 0 ? 'up to date' : `${result.applied.length} migration(s) applied`}\n${applied.join('\n')}${applied.length ? '\n' : ''}`);
    } finally {
      await store.close();
    }
  });
}
