import type { Command } from 'commander';
import type { StatementFlags } from '../commands/statement.js';
import { withBackendFlags } from '../flags.js';

/** `tally statement`. */
export function registerStatement(program: Command): void {
  withBackendFlags(
    program
      .command('statement')
      .description('a customer\'s statement for a month: line items, allowances, credits, totals (docs/billing.md)')
      .requiredOption('--tenant <tenant>', 'the customer\'s tenant')
      .option('--user <user>', 'one user of the tenant')
      .requiredOption('--period <month>', 'a calendar month, UTC: 2026-11')
      .option('--format <format>', 'json, csv or html (default: a table)')
      .option('--close', 'close (freeze) the month first')
      .option('--json', 'print the statement as JSON'),
  ).action(async (flags: StatementFlags) => (await import('../commands/statement.js')).runStatement(flags));
}
