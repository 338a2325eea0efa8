/**
 * Event rows with billed prices, written straight into `usage_events` (the
 * store's test path): until the processor writes the price columns of
 * migration 0014, this is how the analytics tests put prices in the store.
 * A stored row read back with `SELECT *` carries its price columns, so
 * `cancellationOf(stored)` cancels the price it added, exactly.
 */
import { COST_CLASSES, type CostClass } from '../../src/core/classes.js';
import { formatUsd, type Money } from '../../src/core/money.js';
import { toEventRow, type EventRowOptions, type UsageEventRow } from '../../src/store/event-row.js';
import type { PricedEvent } from '../../src/pipeline/types.js';
import type { InsertOptions, SqlExecutor } from '../../src/store/types.js';

type PriceClassColumns = { [K in CostClass as `price_${K}`]: string };

/** The price columns of a `usage_events` row (migration 0014). */
export type PriceColumns = PriceClassColumns & { price_total: string; price_book_version: string };

export type PricedRow = UsageEventRow & PriceColumns;

/** What an event is billed, per class (absent classes 0), and the price book version ('' = none). */
export interface BilledPrice {
  readonly prices: Partial<Record<CostClass, Money>>;
  readonly book?: string;
}

/** The sum of a billed price's classes. */
export function priceTotal(billed: BilledPrice): Money {
  let total = 0n;
  for (const c of COST_CLASSES) total += billed.prices[c] ?? 0n;
  return total;
}

/** A row's price columns: every class, the total, the book version. */
export function priceColumns(billed: BilledPrice): PriceColumns {
  const cols: Record<string, string> = {};
  for (const c of COST_CLASSES) cols[`price_${c}`] = formatUsd(billed.prices[c] ?? 0n);
  cols['price_total'] = formatUsd(priceTotal(billed));
  cols['price_book_version'] = billed.book ?? (priceTotal(billed) === 0n ? '' : 'book@1');
  return cols as PriceColumns;
}

/** An event's row with its billed price. */
export function pricedRow(p: PricedEvent, billed: BilledPrice, options: EventRowOptions = {}): PricedRow {
  return { ...toEventRow(p, options), ...priceColumns(billed) };
}

/** Inserts rows (with or without price columns) in one insert; `token` makes a retry of the same rows a no-op. */
export async function insertRows(sql: SqlExecutor, rows: readonly Record<string, unknown>[], token?: string): Promise<void> {
  const options: InsertOptions = token === undefined ? {} : { deduplicationToken: token };
  await sql.insert('usage_events', rows, options);
}
