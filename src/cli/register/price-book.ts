import type { Command } from 'commander';
import type { CustomerFlags } from '../commands/price-book.js';
import { withBackendFlags } from '../flags.js';

/** The subcommands' work, loaded when one runs. */
const run = () => import('../commands/price-book.js');

const customer = (c: Command): Command =>
  c.requiredOption('--tenant <tenant>', 'the customer\'s tenant').option('--user <user>', 'one user of the tenant: that user\'s own book').option('--json', 'print JSON');

/** `tally customers list`. */
export function registerCustomers(program: Command): void {
  const customers = program.command('customers').description('customers with a price book (store, or --url API)');
  withBackendFlags(customers.command('list').description('every customer (tenant, or user of a tenant) with a price book in force').option('--json', 'print JSON'))
    .action(async (flags: CustomerFlags) => (await run()).runCustomersList(flags));
}

/** `tally price-book set|show|versions|rm`. */
export function registerPriceBook(program: Command): void {
  const book = program.command('price-book').description('a customer\'s price book: what its events are billed (docs/billing.md)');
  withBackendFlags(customer(book.command('set').description('store a new version of a customer\'s price book').requiredOption('-f, --file <file>', 'the price book as JSON')))
    .action(async (flags: CustomerFlags) => (await run()).runPriceBookSet(flags));
  withBackendFlags(customer(book.command('show').description('the book in force (or --version N)').option('--version <version>', 'one version')))
    .action(async (flags: CustomerFlags) => (await run()).runPriceBookShow(flags));
  withBackendFlags(customer(book.command('versions').description('every version of a customer\'s book, newest first')))
    .action(async (flags: CustomerFlags) => (await run()).runPriceBookVersions(flags));
  withBackendFlags(customer(book.command('rm').description('remove a customer\'s book (stored events keep their prices)')))
    .action(async (flags: CustomerFlags) => (await run()).runPriceBookRm(flags));
}
