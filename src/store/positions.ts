/**
 * The processor's view of idempotent storage. For each event of a batch:
 *   - not stored yet            → inserted, and counted;
 *   - stored from this same log position (a redelivery after a crash between
 *     the store and the commit) → not inserted again, but counted: the
 *     counters' offset fence decides whether it was applied already;
 *   - stored from another position, or repeated earlier in the batch (a
 *     duplicate send)           → dropped everywhere.
 */
import { toDateTime64Text } from './event-row.js';
import { eventKey, insertPricedEvents, type EventWriter } from './events.js';
import type { ClassifiedWrite } from './operations/events.js';
import { storedPositionsQuery } from './queries/positions.js';
import type { PricedEvent } from '../pipeline/types.js';

export type { ClassifiedWrite } from './operations/events.js';

interface StoredPosition {
  readonly tenant: string;
  readonly event_id: string;
  readonly source_topic: string;
  readonly source_partition: number | string;
  readonly source_offset: string;
}

const DAY_MS = 86_400_000;

function samePosition(stored: StoredPosition, event: PricedEvent): boolean {
  const s = event.source;
  return s !== null && stored.source_topic === s.topic && Number(stored.source_partition) === s.partition && stored.source_offset === s.offset;
}

/** Classifies and writes a batch; one lookup query and at most one insert. Safe to call again with the same batch. */
export async function writeClassified(store: EventWriter, events: readonly PricedEvent[], dateSlackDays = 1): Promise<ClassifiedWrite> {
  const firsts = new Map<string, PricedEvent>();
  for (const p of events) {
    const key = eventKey(p.event.tenant, p.event.event_id);
    if (!firsts.has(key)) firsts.set(key, p);
  }
  const unique = [...firsts.values()];
  if (unique.length === 0) return { inserted: [], redelivered: [], duplicates: 0 };
  const tenants = new Set<string>();
  const ids = new Set<string>();
  const dates = new Set<string>();
  for (const p of unique) {
    tenants.add(p.event.tenant);
    ids.add(p.event.event_id);
    const day = Date.parse(`${toDateTime64Text(p.event.occurred_at).slice(0, 10)}T00:00:00Z`);
    for (let d = -dateSlackDays; d <= dateSlackDays; d++) dates.add(new Date(day + d * DAY_MS).toISOString().slice(0, 10));
  }
  const rows = await store.sql.query<StoredPosition>(storedPositionsQuery({ tenants: [...tenants], dates: [...dates].sort(), eventIds: [...ids] }));
  const stored = new Map(rows.map((r) => [eventKey(r.tenant, r.event_id), r]));
  const inserted: PricedEvent[] = [];
  const redelivered: PricedEvent[] = [];
  for (const p of unique) {
    const hit = stored.get(eventKey(p.event.tenant, p.event.event_id));
    if (hit === undefined) inserted.push(p);
    else if (samePosition(hit, p)) redelivered.push(p);
  }
  await insertPricedEvents(store, inserted);
  return { inserted, redelivered, duplicates: events.length - inserted.length - redelivered.length };
}
