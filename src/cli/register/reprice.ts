import type { Command } from 'commander';
import type { RepriceFlags } from '../commands/reprice.js';
import { withConfigFlags } from '../flags.js';

export function registerReprice(program: Command): void {
  withConfigFlags(
    program
      .command('reprice')
      .description('recompute costs (or, with --price-book, billed prices) for a time range, writing new event versions explicitly')
      .requiredOption('--since <when>', 'start: 7d, this-month, last-month, a date or RFC 3339')
      .option('--until <when>', 'end (default: now or the named period\'s end)')
      .option('--tz <zone>', 'time zone of dates and named periods', 'UTC')
      .option('--tenant <tenant>', 'only this tenant')
      .option('--model <model>', 'only this model (raw id or model key)')
      .option('--prices <file>', 'extra price file (tally or LiteLLM format); repeatable', (v: string, p: string[]) => [...p, v], [])
      .option('--price-book', 'recompute billed prices with the customers\' price books in force now (costs are kept unless --costs)')
      .option('--costs', 'with --price-book: recompute costs too (first), then prices from them')
      .option('--dry-run', 'report what would change; write nothing')
      .option('--json', 'print the result as JSON'),
    { dataDir: true },
  ).action(async (flags: RepriceFlags) => (await import('../commands/reprice.js')).runReprice(flags));
}
