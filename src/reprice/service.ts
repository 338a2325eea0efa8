/**
 * Re-pricing after a price change. For every current event version in the
 * range, the provider's stored usage is normalized and priced again with the
 * catalog in force now; an event whose price changed gets, in one insert, a
 * cancel row (sign −1) and a new version (row_version + 2) carrying the new
 * costs and price_version.
 *
 * Billed prices (issue 16) change only on purpose: a cost reprice keeps each
 * event's price columns and price_book_version as stored; with `priceBooks`
 * (`tally reprice --price-book`) the price is recomputed with the books in
 * force now from the event's cost (the stored one, or the new one when
 * `costs` is also asked for). Rollups subtract the old and add the new; reads
 * of current versions see the new one; the run is recorded in `usage_reprices`.
 * The pages, the writes and the record are the store's operations.
 * Running it twice changes nothing the second time.
 */
import { uuidv7 } from '../events/ids.js';
import type { UsageEvent } from '../events/schema.js';
import { formatUsd, parseUsd, type Money } from '../core/money.js';
import { normalizeUsage } from '../normalize/index.js';
import { priceAccepted } from '../pipeline/price-event.js';
import type { Pricer } from '../pricing/pricer.js';
import type { PriceBookSet } from '../pricing/price-books.js';
import type { CostBreakdown, CostSource } from '../pricing/types.js';
import { COST_CLASSES, type CostClass } from '../core/classes.js';
import { parseDateTime64 } from '../core/time.js';
import type { NormalizedUsage } from '../normalize/types.js';
import { cancellationOf, priceColumnsOf, samePrice, toEventRow, type UsageEventRow } from '../store/event-row.js';
import type { RepricePageInput } from '../store/operations/reprices.js';
import type { AnalyticsStore } from '../store/types.js';
import { type StampedEvent } from '../events/types.js';

export interface RepriceOptions {
  readonly from: Date;
  readonly to: Date;
  readonly tenant?: string;
  /** Only events of this model (raw id or model key). */
  readonly model?: string;
  /** Compute and report, write nothing. */
  readonly dryRun?: boolean;
  readonly batchSize?: number;
  /** Price files in force, recorded in the audit row. */
  readonly priceFiles?: readonly string[];
  readonly onProgress?: (examined: number) => void;
  /** Recompute costs with the pricer. Default true. */
  readonly costs?: boolean;
  /** Recompute billed prices with these books (the books in force now); absent: prices are kept as stored. */
  readonly priceBooks?: PriceBookSet;
}

export interface RepriceChange {
  readonly tenant: string;
  readonly event_id: string;
  readonly model: string;
  readonly before: { readonly price_version: string; readonly cost: string; readonly priced: boolean; readonly price: string; readonly price_book_version: string };
  readonly after: { readonly price_version: string; readonly cost: string; readonly priced: boolean; readonly price: string; readonly price_book_version: string };
}

export interface RepriceResult {
  readonly reprice_id: string;
  readonly examined: number;
  readonly changed: number;
  /** Events whose stored usage could not be normalized again (left as they are). */
  readonly skipped: number;
  readonly cost_before: string;
  readonly cost_after: string;
  /** The billed price of the changed events before and after. */
  readonly price_before: string;
  readonly price_after: string;
  /** Prices were recomputed with the price books. */
  readonly price_books: boolean;
  readonly dry_run: boolean;
  /** The first changes, for display. */
  readonly sample: readonly RepriceChange[];
}

/** What re-pricing uses of the store: event writes and its own pages and record. */
export type RepriceStore = Pick<AnalyticsStore, 'events' | 'reprices'>;

const isoOf = (stored: string): string => `${stored.replace(' ', 'T')}Z`;

/** The event as the processor first saw it, rebuilt from its stored row. */
function eventOf(row: UsageEventRow): StampedEvent {
  const opt = (v: string): string | undefined => (v === '' ? undefined : v);
  const extra = row.extra === '{}' ? undefined : (JSON.parse(row.extra) as Record<string, unknown>);
  const event: UsageEvent = {
    tenant: row.tenant,
    event_id: row.event_id,
    occurred_at: isoOf(row.occurred_at),
    received_at: isoOf(row.received_at),
    user_id: opt(row.user_id), group: opt(row.group_id), session_id: opt(row.session_id), agent: opt(row.agent),
    feature: opt(row.feature), request_id: opt(row.request_id), api_key_id: opt(row.api_key_id), provider: opt(row.provider),
    model: row.model,
    usage: JSON.parse(row.usage_json) as Record<string, unknown>,
    tool_calls: Number(row.tool_calls), web_search_requests: Number(row.web_search_requests), images: Number(row.images),
    audio_seconds: Number(row.audio_seconds),
    batch: Boolean(row.batch), service_tier: opt(row.service_tier),
    status: row.status as UsageEvent['status'], error_type: opt(row.error_type),
    duration_ms: row.duration_ms ?? undefined, ttft_ms: row.ttft_ms ?? undefined,
    cost: row.reported_cost ?? undefined,
    metadata: row.metadata, extra,
  };
  return event as StampedEvent;
}

/** The stored price columns of a row. */
function pick(row: UsageEventRow): ReturnType<typeof priceColumnsOf> {
  const out: Record<string, string> = {};
  for (const c of COST_CLASSES) out[`price_${c}`] = String(row[`price_${c}`]);
  out.price_total = String(row.price_total);
  out.price_book_version = row.price_book_version;
  return out as ReturnType<typeof priceColumnsOf>;
}

function costOf(row: UsageEventRow): CostBreakdown {
  const out = {} as Record<CostClass, Money>;
  for (const c of COST_CLASSES) out[c] = parseUsd(row[`cost_${c}`]);
  return out;
}

/** The row billed with the books now, from its own cost columns. */
function billedWith(books: PriceBookSet, row: UsageEventRow, usage: NormalizedUsage): UsageEventRow {
  const price = books.price(row.tenant, row.user_id, {
    occurredAtMs: parseDateTime64(row.occurred_at) ?? Date.parse(isoOf(row.occurred_at)),
    provider: row.provider === '' ? null : row.provider,
    model: row.model,
    modelKey: row.model_key === '' ? null : row.model_key,
    usage,
    cost: costOf(row),
    costTotal: parseUsd(row.cost_total),
    costSource: row.cost_source as CostSource,
    priced: Boolean(row.priced),
  });
  return { ...row, ...priceColumnsOf(price) };
}

export async function reprice(store: RepriceStore, pricer: Pricer, options: RepriceOptions): Promise<RepriceResult> {
  const id = uuidv7();
  const started = new Date();
  const limit = options.batchSize ?? 2000;
  let resumeAfter: RepricePageInput['after'];
  let examined = 0;
  let changed = 0;
  let skipped = 0;
  let before: Money = 0n;
  let after: Money = 0n;
  let priceBefore: Money = 0n;
  let priceAfter: Money = 0n;
  const costs = options.costs ?? true;
  const books = options.priceBooks;
  const sample: RepriceChange[] = [];
  for (;;) {
    const rows = await store.reprices.page({
      from: options.from, to: options.to, limit,
      ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(resumeAfter === undefined ? {} : { after: resumeAfter }),
    });
    if (rows.length === 0) break;
    const writes: UsageEventRow[] = [];
    for (const row of rows) {
      examined++;
      const event = eventOf(row);
      const normalized = normalizeUsage(event);
      if (!normalized.ok) {
        skipped++;
        continue;
      }
      const source = row.source_offset === '-1' ? null : { topic: row.source_topic, partition: Number(row.source_partition), offset: String(row.source_offset) };
      const rowVersion = BigInt(row.row_version) + 2n;
      // Costs: priced again, or as stored; prices: as stored (a cost reprice never changes a bill), or billed with the books now.
      let next: UsageEventRow = costs
        ? { ...toEventRow(priceAccepted(pricer, event, normalized.usage, source), { rowVersion, sign: 1 }), ...priceColumnsOf(null) }
        : { ...row, row_version: rowVersion.toString(), sign: 1 };
      next = books ? billedWith(books, next, normalized.usage) : { ...next, ...pick(row) };
      const sameCost = next.cost_total === row.cost_total && next.price_version === row.price_version && next.priced === Boolean(row.priced) && next.model_key === row.model_key;
      if (sameCost && samePrice(next, row)) continue;
      changed++;
      before += parseUsd(row.cost_total);
      after += parseUsd(next.cost_total);
      priceBefore += parseUsd(row.price_total);
      priceAfter += parseUsd(next.price_total);
      if (sample.length < 20) {
        sample.push({
          tenant: row.tenant, event_id: row.event_id, model: row.model,
          before: { price_version: row.price_version, cost: row.cost_total, priced: Boolean(row.priced), price: row.price_total, price_book_version: row.price_book_version },
          after: { price_version: next.price_version, cost: next.cost_total, priced: next.priced, price: next.price_total, price_book_version: next.price_book_version },
        });
      }
      writes.push(cancellationOf(row), next);
    }
    if (!options.dryRun && writes.length > 0) await store.events.insertRows(writes);
    const last = rows[rows.length - 1] as UsageEventRow;
    resumeAfter = { occurredAt: last.occurred_at, eventId: last.event_id };
    options.onProgress?.(examined);
    if (rows.length < limit) break;
  }
  const result: RepriceResult = {
    reprice_id: id, examined, changed, skipped, cost_before: formatUsd(before), cost_after: formatUsd(after),
    price_before: formatUsd(priceBefore), price_after: formatUsd(priceAfter), price_books: books !== undefined, dry_run: options.dryRun ?? false, sample,
  };
  if (!options.dryRun && changed > 0) {
    await store.reprices.record({
      repriceId: id, startedAt: started, finishedAt: new Date(), from: options.from, to: options.to,
      tenant: options.tenant ?? '', model: options.model ?? '', examined, changed,
      costBefore: result.cost_before, costAfter: result.cost_after, priceFiles: options.priceFiles ?? [],
      prices: { books: books !== undefined, before: result.price_before, after: result.price_after },
    });
  }
  return result;
}
