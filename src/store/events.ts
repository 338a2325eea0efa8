/**
 * Writing events to the analytics store, once: adapter-agnostic, on top of the
 * SQL executor (the `events` operations, operations/events-sql.ts, are built
 * from these). `dedupeAndInsert` writes a batch:
 *
 * 1. duplicates inside the batch are dropped (first wins);
 * 2. one query asks which (tenant, event_id) are stored already, and those go;
 * 3. the rest is inserted with an insert_deduplication_token derived from the
 *    rows' identity, so retrying the same insert after a timeout cannot write
 *    it twice — not in usage_events, not in a rollup.
 *
 * Anything that still slips through (two processors racing on a rebalance)
 * collapses in usage_events (ReplacingMergeTree, FINAL reads); see
 * docs/storage.md for what that means for the rollups.
 */
import { createHash } from 'node:crypto';
import type { PricedEvent } from '../pipeline/types.js';
import type { AnalyticsStore } from './types.js';
import { EVENT_ROW_COLUMNS, toDateTime64Text, type UsageEventRow } from './event-row.js';
import { encodeUsageEvents } from './rowbinary/usage-events.js';
import { existingEventsQuery } from './queries/events.js';
import type { EventKey, ExistingOptions, InsertEventsOptions } from './operations/events.js';
import { parseDateTime64 } from '../core/time.js';
import type { WriteTracker } from './write-tracker.js';

export type { EventKey, ExistingOptions } from './operations/events.js';

export const USAGE_EVENTS_TABLE = 'usage_events';

/**
 * What these functions write through: the store's SQL executor (an
 * `AnalyticsStore` has one), and the tracker of in-flight inserts the rollup
 * checkpoint reads (the store's own operations pass theirs).
 */
export type EventWriter = Pick<AnalyticsStore, 'sql'> & { readonly tracker?: WriteTracker };

/** `${tenant}\u0000${event_id}`: the key `existingEventIds` returns. */
export function eventKey(tenant: string, eventId: string): string {
  return `${tenant}\u0000${eventId}`;
}

/**
 * Token that identifies a set of rows for insert deduplication: a SHA-256 over
 * each row's (tenant, event_id, row_version, sign) in order. The same rows give
 * the same token; any other rows give another.
 */
export function deduplicationToken(rows: readonly Pick<UsageEventRow, 'tenant' | 'event_id' | 'row_version' | 'sign'>[]): string {
  const h = createHash('sha256');
  for (const r of rows) h.update(`${JSON.stringify([r.tenant, r.event_id, String(r.row_version), r.sign])}\n`);
  return `tally-v1-${h.digest('hex')}`;
}

/** Inserts ready-made rows (e.g. a cancel row and its replacement) in one insert, safe to retry. */
export async function insertEventRows(store: EventWriter, rows: readonly UsageEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((r) => EVENT_ROW_COLUMNS.map((c) => r[c]));
  const token = deduplicationToken(rows);
  await insertTracked(store, earliestProcessedAt(rows), () => store.sql.insertValues(USAGE_EVENTS_TABLE, EVENT_ROW_COLUMNS, values, { deduplicationToken: token }));
}

/** One insert of event rows, registered with the store's insert tracker (the repair checkpoint waits for it). */
async function insertTracked(store: EventWriter, processedAtMs: number, insert: () => Promise<void>): Promise<void> {
  const done = store.tracker?.begin(processedAtMs);
  let ok = false;
  try {
    await store.tracker?.ready();
    await insert();
    ok = true;
  } finally {
    done?.(ok);
  }
}

/** Epoch ms of the earliest `processed_at` of the rows (the text form sorts as time does). */
function earliestProcessedAt(rows: readonly UsageEventRow[]): number {
  let earliest = (rows[0] as UsageEventRow).processed_at;
  for (const r of rows) if (r.processed_at < earliest) earliest = r.processed_at;
  return parseDateTime64(earliest) ?? 0;
}

/**
 * Inserts priced events as they are (no lookup), safe to retry with the same
 * events. The rows go as RowBinary (src/store/rowbinary/), encoded straight
 * from the events: the values `eventRowValues` gives, with no text to build
 * or for the store to parse (docs/storage.md, "Insert format").
 */
export async function insertPricedEvents(
  store: EventWriter,
  events: readonly PricedEvent[],
  options: InsertEventsOptions = {},
): Promise<void> {
  if (events.length === 0) return;
  const now = Date.now();
  const rowVersion = options.rowVersion ?? 1;
  const sign = options.sign ?? 1;
  const data = encodeUsageEvents(events, { processedAtMs: now, rowVersion, sign });
  // The token from the same identity fields as deduplicationToken reads from row objects.
  const version = String(rowVersion);
  const token = deduplicationToken(events.map((p) => ({ tenant: p.event.tenant, event_id: p.event.event_id, row_version: version, sign })));
  await insertTracked(store, now, () => store.sql.insertRowBinary(USAGE_EVENTS_TABLE, EVENT_ROW_COLUMNS, data, { deduplicationToken: token }));
}

const DAY_MS = 86_400_000;

/** Which of `keys` are stored already, as `eventKey(tenant, event_id)` strings. One query. */
export async function existingEventIds(store: EventWriter, keys: readonly EventKey[], options: ExistingOptions = {}): Promise<Set<string>> {
  const found = new Set<string>();
  if (keys.length === 0) return found;
  const slack = options.dateSlackDays ?? 1;
  const wanted = new Set<string>();
  const tenants = new Set<string>();
  const ids = new Set<string>();
  const dates = new Set<string>();
  for (const k of keys) {
    wanted.add(eventKey(k.tenant, k.event_id));
    tenants.add(k.tenant);
    ids.add(k.event_id);
    const day = Date.parse(`${toDateTime64Text(k.occurred_at).slice(0, 10)}T00:00:00Z`);
    for (let d = -slack; d <= slack; d++) dates.add(new Date(day + d * DAY_MS).toISOString().slice(0, 10));
  }
  const rows = await store.sql.query<{ tenant: string; event_id: string }>(
    existingEventsQuery({ tenants: [...tenants], dates: [...dates].sort(), eventIds: [...ids] }),
  );
  for (const r of rows) {
    const key = eventKey(r.tenant, r.event_id);
    if (wanted.has(key)) found.add(key);
  }
  return found;
}

export interface DedupeResult {
  /** Events written by this call. */
  readonly inserted: number;
  /** Events dropped: repeated inside the batch or stored already. */
  readonly duplicates: number;
  /** The events written, in batch order. */
  readonly insertedEvents: readonly PricedEvent[];
}

/** Drops events stored already and repeats inside the batch (first wins), then inserts the rest; see the module comment. */
export async function dedupeAndInsert(
  store: EventWriter,
  events: readonly PricedEvent[],
  options: ExistingOptions = {},
): Promise<DedupeResult> {
  const firsts = new Map<string, PricedEvent>();
  for (const p of events) {
    const key = eventKey(p.event.tenant, p.event.event_id);
    if (!firsts.has(key)) firsts.set(key, p);
  }
  const unique = [...firsts.values()];
  const existing = await existingEventIds(
    store,
    unique.map((p) => ({ tenant: p.event.tenant, event_id: p.event.event_id, occurred_at: p.event.occurred_at })),
    options,
  );
  const fresh = unique.filter((p) => !existing.has(eventKey(p.event.tenant, p.event.event_id)));
  await insertPricedEvents(store, fresh);
  return { inserted: fresh.length, duplicates: events.length - fresh.length, insertedEvents: fresh };
}
