/**
 * `tally reprice --since 30d` — recompute costs for a range after a price
 * change, with the current catalog (+ --prices files). `--price-book`
 * recomputes what customers are billed instead, with the price books in
 * force now (costs kept; `--costs` recomputes both); a plain cost reprice
 * never changes a billed price (docs/billing.md, "Repricing"). Writes explicit new
 * versions (a cancel row and a new row per changed event) and an audit row;
 * `--dry-run` shows what would change. Budget counters follow with
 * `tally reconcile` (the counters of open periods are rebuilt from the store).
 */
import { resolveRange } from '../../analytics/range.js';
import { reprice } from '../../reprice/service.js';
import { buildPricer, describeStore, openStore } from '../../runtime/adapters.js';
import { loadPriceBooks } from '../../runtime/billing.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';
import { printJson, progress, renderTable, thousands } from '../output.js';

export interface RepriceFlags extends ConfigFlags {
  readonly since: string;
  readonly until?: string;
  readonly tz: string;
  readonly tenant?: string;
  readonly model?: string;
  readonly prices: string[];
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly priceBook?: boolean;
  readonly costs?: boolean;
}

export async function runReprice(flags: RepriceFlags): Promise<void> {
  const { config, logger } = cliContext(flags, { logLevel: 'warn' });
  const range = resolveRange({ since: flags.since, until: flags.until }, flags.tz);
  const store = await openStore(config, logger);
  const bar = progress(flags.dryRun ? 'examining' : 'repricing');
  try {
    const pricer = buildPricer(config, flags.prices);
    const books = flags.priceBook ? (await loadPriceBooks(store, pricer)).current() : undefined;
    const result = await reprice(store, pricer, {
      ...(books ? { priceBooks: books, costs: flags.costs ?? false } : {}),
      from: new Date(range.from), to: new Date(range.to),
      ...(flags.tenant ? { tenant: flags.tenant } : {}), ...(flags.model ? { model: flags.model } : {}),
      dryRun: flags.dryRun ?? false, priceFiles: [...config.pricing.priceFiles, ...flags.prices],
      onProgress: (n) => bar.set(n),
    });
    bar.done();
    if (flags.json) {
      printJson({ store: describeStore(config), from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), ...result });
      return;
    }
    process.stdout.write(
      `${describeStore(config)}: ${thousands(String(result.examined))} events examined, ${thousands(String(result.changed))} ${result.dry_run ? 'would change' : 'repriced'}` +
        `${result.skipped ? `, ${result.skipped} skipped (usage no longer normalizes)` : ''}\n` +
        `cost of the changed events: $${result.cost_before} → $${result.cost_after}\n` +
        (result.price_books ? `billed price of the changed events: $${result.price_before} → $${result.price_after} (price books in force now)\n` : ''),
    );
    if (result.sample.length > 0) {
      process.stdout.write(
        renderTable(
          [
            { header: 'tenant', value: (c) => c.tenant },
            { header: 'event_id', value: (c) => c.event_id },
            { header: 'model', value: (c) => c.model },
            { header: 'before', value: (c) => `$${c.before.cost}`, align: 'right' },
            { header: 'after', value: (c) => `$${c.after.cost}`, align: 'right' },
            { header: 'price version', value: (c) => `${c.before.price_version || '—'} → ${c.after.price_version || '—'}` },
            ...(result.price_books
              ? [{ header: 'billed', value: (c: (typeof result.sample)[number]) => `$${c.before.price} → $${c.after.price}`, align: 'right' as const }, { header: 'price book', value: (c: (typeof result.sample)[number]) => `${c.before.price_book_version || '—'} → ${c.after.price_book_version || '—'}` }]
              : []),
          ],
          result.sample,
        ),
      );
    }
    if (!result.dry_run && result.changed > 0) process.stdout.write('budget counters: run `tally reconcile` to apply the corrected spend to open periods\n');
  } finally {
    await store.close();
  }
}
