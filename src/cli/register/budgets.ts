import type { Command } from 'commander';
import type { AddFlags, ReadFlags } from '../commands/budgets.js';
import { collect, withBackendFlags, withDimensionFlags } from '../flags.js';

/** The subcommands' work, loaded when one runs. */
const run = () => import('../commands/budgets.js');

export function registerBudgets(program: Command): void {
  const budgets = program.command('budgets').description('manage budgets and read their status (store + Redis, or --url API)');

  withDimensionFlags(withBackendFlags(
    budgets
      .command('add')
      .description('create a budget from flags or --file (its counters are backfilled from the store)')
      .option('-f, --file <file>', 'a budget as JSON (the POST /v1/budgets body); flags override its fields')
      .option('--id <id>', 'budget id (default b_<uuid>)')
      .option('--name <name>', 'display name')
      .option('--metric <metric>', 'cost, tokens, requests or price (billed under the customer\'s price book)')
      .option('--token-class <class>', 'with --metric tokens: count one class (output, cached_input, …)')
      .option('--limit <limit>', 'USD for cost (e.g. 250.00), a whole number otherwise')
      .option('--period <period>', 'daily, weekly, monthly, yearly, rolling or lifetime (never resets)')
      .option('--timezone <zone>', 'IANA zone of calendar periods (default UTC)')
      .option('--window <window>', 'rolling window, e.g. 30m, 24h, 7d')
      .option('--soft', 'report and alert, never refuse')
      .option('--hard', 'refuse requests that would exceed it (default)')
      .option('--outage-policy <policy>', 'while Redis is unreachable: fail_open (allow), fail_closed (503) or leases (answer from live leases until they expire); default budgets.outagePolicy')
      .option('--thresholds <list>', 'alert thresholds in percent, e.g. 50,80,100')
      .option('--approaching <percent>', 'approaching turns true here (default 80)')
      .option('--meta <key=value>', 'metadata copied into alerts (repeatable)', collect, [])
      .option('--no-backfill', 'do not rebuild its counters from the store now (run `tally reconcile --budget ID` later)')
      .option('--json', 'print {budget, backfill} as JSON'),
  ), 'scope: a value, "*" for each value separately, absent for any').action(async (flags: AddFlags) => (await run()).runBudgetsAdd(flags));

  withBackendFlags(budgets.command('list').description('list budgets').option('--json', 'print JSON')).action(async (flags: ReadFlags) => (await run()).runBudgetsList(flags));

  withBackendFlags(budgets.command('get').description('show one budget as JSON').argument('<id>', 'budget id').option('--json', 'print JSON (the default)')).action(async (id: string, flags: ReadFlags) => (await run()).runBudgetsGet(id, flags));

  withBackendFlags(budgets.command('rm').description('delete a budget').argument('<id>', 'budget id').option('--json', 'print JSON')).action(async (id: string, flags: ReadFlags) => (await run()).runBudgetsRm(id, flags));

  withDimensionFlags(withBackendFlags(
    budgets
      .command('status')
      .description('status of one budget, of every budget applying to a subject (--user …), or of all')
      .argument('[id]', 'budget id (per-value budgets need the value, e.g. --user bob)')
      .option('--json', 'print JSON'),
  ), 'subject').action(async (id: string | undefined, flags: ReadFlags) => (await run()).runBudgetsStatus(id, flags));
}
