/**
 * The `events` operations of the analytics-store port: writing `usage_events`
 * and the lookups the domains need of it. The contract only; the SQL is in
 * events-sql.ts (on top of ../events.ts and ../positions.ts). This file
 * imports nothing of the port itself, so the port can name it without a cycle.
 */
import type { PricedEvent, SourcePosition } from '../../pipeline/types.js';
import type { EventRowOptions, UsageEventRow } from '../event-row.js';

/** Identity of a stored event for the dedupe lookup. */
export interface EventKey {
  readonly tenant: string;
  readonly event_id: string;
  /** RFC 3339 (or stored `YYYY-MM-DD hh:mm:ss.sss` UTC) time the event occurred. */
  readonly occurred_at: string;
}

export interface ExistingOptions {
  /**
   * Also look this many days either side of each event's date. An event re-sent
   * without `occurred_at` is stamped again on arrival and may land on the next
   * day; one day of slack still finds the first copy. Default 1.
   */
  readonly dateSlackDays?: number;
}

/** How a batch was written by the processor's write (`write`). */
export interface ClassifiedWrite {
  /** Not stored before: inserted now. */
  readonly inserted: readonly PricedEvent[];
  /** Stored already from this same log position (a redelivery): not inserted again, but to be counted. */
  readonly redelivered: readonly PricedEvent[];
  /** Stored from another position, or repeated earlier in the batch: dropped everywhere. */
  readonly duplicates: number;
}

export interface EventByIdInput {
  readonly tenant: string;
  readonly eventId: string;
  /** Also return the event when its current version is a cancellation (sign = -1). Default false. */
  readonly includeCancelled?: boolean;
}

/** Options of `insert`: the row version and sign of every row (tests, corrections). */
export type InsertEventsOptions = Omit<EventRowOptions, 'processedAt'>;

export interface EventOperations {
  /** Inserts priced events as they are (no lookup); safe to retry with the same events. */
  insert(events: readonly PricedEvent[], options?: InsertEventsOptions): Promise<void>;
  /** Inserts ready-made rows (e.g. a cancel row and its new version) in one insert; safe to retry. */
  insertRows(rows: readonly UsageEventRow[]): Promise<void>;
  /**
   * The processor's idempotent write of a batch: events not stored yet are
   * inserted; events stored from the same log position are redeliveries;
   * the rest are duplicates. One lookup and at most one insert; safe to call
   * again with the same batch.
   */
  write(events: readonly PricedEvent[]): Promise<ClassifiedWrite>;
  /** Which of `keys` are stored already, as `eventKey(tenant, event_id)` strings. One query. */
  exists(keys: readonly EventKey[], options?: ExistingOptions): Promise<Set<string>>;
  /** The current version of one event (its highest row_version); null when none, or cancelled unless asked. */
  byId(input: EventByIdInput): Promise<UsageEventRow | null>;
  /**
   * The highest log offset recorded for a partition by `recordHighOffsets`
   * (decimal text), or null when none: records above it were never inserted
   * by the processor (see docs/storage.md, "Dedupe").
   */
  highOffset(topic: string, partition: number): Promise<string | null>;
  /**
   * Records, before inserting events read up to each position's offset from
   * its partition, that they may be stored: one write for every partition
   * given. Never lowers a partition's high offset.
   */
  recordHighOffsets(positions: readonly SourcePosition[]): Promise<void>;
  /** (tenant, event_id) of the events read from one partition and processed at or after `sinceMs` (epoch ms). */
  recentKeys(topic: string, partition: number, sinceMs: number): Promise<{ readonly tenant: string; readonly event_id: string }[]>;
  /** Highest stored offset + 1 per partition of a log topic (decimal text), for partitions it has events from. */
  nextOffsets(topic: string): Promise<Record<number, string>>;
  /** Whether the store holds any event row at all. */
  any(): Promise<boolean>;
  /** Months raw events are kept (the TTL of usage_events), or null when it has none. */
  retentionMonths(): Promise<number | null>;
}
