/**
 * The processor's store sink, with a dedupe whose cost is bounded by the
 * batch (docs/storage.md, "Dedupe"). An event can only be a repeat if
 *   - its log position may have been written before: its offset is at or
 *     below the partition's high offset (stream_positions, recorded before
 *     every insert) — a redelivery after a crash or a rebalance, or a replay
 *     of old positions; or
 *   - its (tenant, event_id) is in the recent-id window — a duplicate send
 *     (or a hash collision).
 * Only those suspects are looked up in usage_events (store.events.write, the
 * exact classification: new / same position / another position); every
 * other event is new by construction and inserted without a lookup. Per
 * batch that is one read of the partition's high offset; the new high offsets
 * of the batches inserted together are recorded in one tiny insert before
 * their events are (group-insert.ts).
 *
 * The window is this process's; it is refilled from the store (events of the
 * partition processed within the window) the first time a partition is
 * written, and again whenever another process moved the partition's high
 * offset (it held the partition meanwhile). A duplicate sent more than the
 * window after its first copy is not recognised here: see docs/storage.md.
 */
import type { PricedEvent, SourcePosition } from '../pipeline/types.js';
import type { AnalyticsStore } from '../store/types.js';
import { groupInserts, type GroupInsertOptions, type GroupTicket } from './group-insert.js';
import { RecentIdWindow, recentIdKey } from './recent-ids.js';
import type { EventStoreSink, StoreWriteResult } from './types.js';

/** Slack subtracted from the window when refilling it: other processes' clocks and insert times. */
const REFILL_MARGIN_MS = 60_000;

export interface WindowedSinkOptions {
  /** How long an event id is remembered (ms). */
  readonly windowMs: number;
  readonly clock?: () => number;
  /** Called per write with how many events were new by position and window, and how many were looked up. */
  readonly onClassified?: (counts: { readonly direct: number; readonly verified: number }) => void;
  /** Called when the window of a partition is refilled from the store, with the ids read. */
  readonly onRefill?: (ids: number) => void;
  /** New events of batches written at the same time go in one insert (group-insert.ts). */
  readonly group?: GroupInsertOptions;
}

interface PartitionState {
  /** Highest offset this process recorded (or saw recorded when it refilled), null when none. */
  mine: bigint | null;
  refilled: boolean;
}

export interface WindowedStoreSink extends EventStoreSink {
  readonly window: RecentIdWindow;
}

type Store = Pick<AnalyticsStore, 'events'>;

export function createWindowedStoreSink(store: Store, options: WindowedSinkOptions): WindowedStoreSink {
  const clock = options.clock ?? Date.now;
  const window = new RecentIdWindow({ windowMs: options.windowMs });
  const partitions = new Map<string, PartitionState>();
  const stateOf = (topic: string, partition: number): PartitionState => {
    const name = `${topic}\u0000${partition}`;
    let state = partitions.get(name);
    if (state === undefined) {
      state = { mine: null, refilled: false };
      partitions.set(name, state);
    }
    return state;
  };
  /** One group's write: its partitions' new high offsets first (a crash between the two leaves them suspects, never unseen), then its events. */
  const group = groupInserts(async (events, positions) => {
    if (positions.length > 0) {
      await store.events.recordHighOffsets(positions);
      for (const p of positions) {
        const state = stateOf(p.topic, p.partition);
        const offset = BigInt(p.offset);
        if (state.mine === null || offset > state.mine) state.mine = offset;
      }
    }
    await store.events.insert(events);
  }, options.group ?? { maxEvents: 20_000, lingerMs: 50 });

  async function refill(topic: string, partition: number, now: number): Promise<void> {
    const rows = await store.events.recentKeys(topic, partition, now - options.windowMs - REFILL_MARGIN_MS);
    for (const r of rows) window.add(recentIdKey(r.tenant, r.event_id), now);
    options.onRefill?.(rows.length);
  }

  /** Suspects and new events of one partition's share of a batch, and the position to record before the new ones are inserted (null: none new). */
  async function split(topic: string, partition: number, events: readonly PricedEvent[], now: number): Promise<{ fresh: PricedEvent[]; suspects: PricedEvent[]; position: SourcePosition | null }> {
    const state = stateOf(topic, partition);
    const recorded = await store.events.highOffset(topic, partition);
    const high = recorded === null ? null : BigInt(recorded);
    if (!state.refilled || (high !== null && (state.mine === null || high > state.mine))) {
      await refill(topic, partition, now);
      state.refilled = true;
      state.mine = high;
    }
    const fresh: PricedEvent[] = [];
    const suspects: PricedEvent[] = [];
    let top: bigint | null = null;
    for (const p of events) {
      const offset = BigInt((p.source as NonNullable<PricedEvent['source']>).offset);
      if ((high !== null && offset <= high) || window.mightHave(recentIdKey(p.event.tenant, p.event.event_id), now)) {
        suspects.push(p);
      } else {
        fresh.push(p);
        if (top === null || offset > top) top = offset;
      }
    }
    return { fresh, suspects, position: top === null ? null : { topic, partition, offset: top.toString() } };
  }

  /** One batch: its suspects looked up, its new events inserted (with the batches written at the same time). */
  async function writeIn(ticket: GroupTicket, events: readonly PricedEvent[]): Promise<StoreWriteResult> {
    const now = clock();
    const firsts = new Map<string, PricedEvent>();
    for (const p of events) {
      const key = recentIdKey(p.event.tenant, p.event.event_id);
      if (!firsts.has(key)) firsts.set(key, p);
    }
    const unique = [...firsts.values()];
    // Events not from the log have no position to reason about: always looked up.
    const groups = new Map<string, { topic: string; partition: number; events: PricedEvent[] }>();
    const suspects: PricedEvent[] = [];
    for (const p of unique) {
      if (p.source === null) {
        suspects.push(p);
        continue;
      }
      const name = `${p.source.topic}\u0000${p.source.partition}`;
      let g = groups.get(name);
      if (g === undefined) {
        g = { topic: p.source.topic, partition: p.source.partition, events: [] };
        groups.set(name, g);
      }
      g.events.push(p);
    }
    const fresh: PricedEvent[] = [];
    const positions: SourcePosition[] = [];
    for (const g of groups.values()) {
      const s = await split(g.topic, g.partition, g.events, now);
      fresh.push(...s.fresh);
      suspects.push(...s.suspects);
      if (s.position !== null) positions.push(s.position);
    }
    // Leave first: other batches' inserts need not wait for this one's lookup.
    if (fresh.length === 0) ticket.leave();
    const checked = suspects.length > 0 ? await store.events.write(suspects) : { inserted: [], redelivered: [], duplicates: 0 };
    if (fresh.length > 0) await ticket.insert(fresh, positions);
    for (const p of unique) window.add(recentIdKey(p.event.tenant, p.event.event_id), now);
    options.onClassified?.({ direct: fresh.length, verified: suspects.length });

    const counted = new Set<PricedEvent>([...fresh, ...checked.inserted, ...checked.redelivered]);
    const inOrder = unique.filter((p) => counted.has(p));
    return { counted: inOrder, duplicates: events.length - inOrder.length, rejected: [] };
  }

  return {
    window,
    async write(events): Promise<StoreWriteResult> {
      const ticket = group.enter();
      try {
        return await writeIn(ticket, events);
      } finally {
        ticket.leave();
      }
    },
  };
}
