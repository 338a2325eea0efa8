import type { Command } from 'commander';
import type { ExportFlags } from '../commands/export.js';
import { withConfigFlags } from '../flags.js';

/** `tally export`. */
export function registerExport(program: Command): void {
  withConfigFlags(
    program
      .command('export')
      .description('billable lines of a month\'s closed statements, with idempotency keys: ndjson, csv, Stripe meter events, FOCUS 1.2 (docs/billing.md)')
      .requiredOption('--period <month>', 'a calendar month, UTC: 2026-11')
      .option('--tenant <tenant>', 'one customer (default: every tenant with usage or a statement in the month)')
      .requiredOption('--format <format>', 'ndjson, csv, stripe or focus')
      .requiredOption('--out <file>', 'where to write (replaced when complete)')
      .option('--customer-map <file>', 'stripe: JSON {"<tenant>": "cus_…"} (or {"<tenant>": {"<user>": "cus_…"}})')
      .option('--event-name <name>', 'stripe: the meter\'s event name (default tally_billed_usd)')
      .option('--issuer <name>', 'focus: InvoiceIssuerName / ProviderName / PublisherName (default tally)')
      .option('--json', 'print the summary as JSON'),
    { dataDir: true },
  ).action(async (flags: ExportFlags) => (await import('../commands/export.js')).runExportCommand(flags));
}
