import type { Command } from 'commander';
import type { StartFlags } from '../commands/start.js';
import { withConfigFlags } from '../flags.js';

export function registerStart(program: Command): void {
  withConfigFlags(
    program
      .command('start')
      .description('run ingest, processor, API and dashboard in one process (embedded chDB store, no Kafka or Redis needed)')
      .option('-p, --port <port>', 'HTTP port (default 8787 or TALLY_PORT)')
      .option('--host <host>', 'listen address when API keys are configured (default 0.0.0.0)')
      .option('--demo', 'backfill a week of demo history into an empty store and keep demo traffic flowing')
      .option('--demo-rate <n>', 'demo events per second', '20'),
    { dataDir: true },
  ).action(async (flags: StartFlags) => (await import('../commands/start.js')).runStart(flags));
}
