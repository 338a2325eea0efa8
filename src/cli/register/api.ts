import type { Command } from 'commander';
import type { ApiFlags } from '../commands/api.js';
import { withConfigFlags } from '../flags.js';

export function registerApi(program: Command): void {
  withConfigFlags(
    program
      .command('api')
      .description('serve the HTTP API: ingest to Kafka, analytics, budgets and quota (distributed mode; needs API keys)')
      .option('-p, --port <port>', 'HTTP port (default 8787 or TALLY_PORT)')
      .option('--host <host>', 'listen address (default 0.0.0.0 or TALLY_HOST)'),
    { dataDir: true },
  ).action(async (flags: ApiFlags) => (await import('../commands/api.js')).runApi(flags));
}
