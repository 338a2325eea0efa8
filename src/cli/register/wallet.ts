import type { Command } from 'commander';
import type { WalletFlags } from '../commands/wallet.js';
import { withBackendFlags } from '../flags.js';

/** The subcommands' work, loaded when one runs. */
const run = () => import('../commands/wallet.js');

const customer = (c: Command): Command =>
  c.requiredOption('--tenant <tenant>', 'the customer\'s tenant').option('--user <user>', 'one user of the tenant: that user\'s own wallet').option('--json', 'print JSON');

/** `tally wallet show|grant|ledger|void|alerts`. */
export function registerWallet(program: Command): void {
  const wallet = program.command('wallet').description('a customer\'s prepaid credits: balance, grants, ledger (docs/billing.md)');
  withBackendFlags(customer(wallet.command('show').description('the balance and every grant with what is left of it')))
    .action(async (flags: WalletFlags) => (await run()).runWalletShow(flags));
  withBackendFlags(
    customer(wallet.command('grant').description('add a grant (prepaid credit)'))
      .requiredOption('--amount <usd>', 'USD, exact decimal, e.g. 25.00')
      .option('--id <id>', 'your id for the grant (default: one is made)')
      .option('--priority <n>', 'higher burns first (default 0)')
      .option('--effective-from <time>', 'RFC 3339: pays for usage from this instant (default now)')
      .option('--expires-at <time>', 'RFC 3339: the unburned remainder is gone from this instant (default never)')
      .option('--source <source>', 'purchase | promotion | adjustment (default purchase)')
      .option('--note <text>', 'a note kept with the grant'),
  ).action(async (flags: WalletFlags) => (await run()).runWalletGrant(flags));
  withBackendFlags(
    customer(wallet.command('ledger').description('every grant, burn (per day), expiry and void with the running balance'))
      .option('--from <time>', 'RFC 3339 (default: the first grant)')
      .option('--to <time>', 'RFC 3339, exclusive (default now)'),
  ).action(async (flags: WalletFlags) => (await run()).runWalletLedger(flags));
  withBackendFlags(
    customer(wallet.command('alerts').description('set the low-balance alert amounts: one budget.remaining_below alert (topic and webhooks) when the balance falls to each'))
      .requiredOption('--below <usd,...>', 'USD amounts, comma-separated, e.g. 10,1 ("" for none)'),
  ).action(async (flags: WalletFlags) => (await run()).runWalletAlerts(flags));
  withBackendFlags(customer(wallet.command('void').description('void a grant from now on (its unburned remainder is gone)')).requiredOption('--grant <id>', 'the grant\'s id'))
    .action(async (flags: WalletFlags) => (await run()).runWalletVoid(flags));
}
