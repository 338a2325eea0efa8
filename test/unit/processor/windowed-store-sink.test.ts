/**
 * The processor's dedupe asks the store only about events that may be
 * repeats (issue #12, item 1): new events at new log positions are inserted
 * without a lookup, however many events the store holds; redeliveries,
 * replays of old positions and duplicate sends within the window are looked
 * up and classified exactly as before.
 */
import { describe, expect, it } from 'vitest';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import type { ClassifiedWrite } from '../../../src/store/operations/events.js';
import { createWindowedStoreSink } from '../../../src/processor/windowed-store-sink.js';
import { RecentIdWindow, hash64 } from '../../../src/processor/recent-ids.js';

function ev(id: string, offset: number | null, tenant = 'acme', partition = 0): PricedEvent {
  return {
    event: { event_id: id, tenant },
    pricing: { priced: true, pricing_error: null },
    source: offset === null ? null : { topic: 'raw', partition, offset: String(offset) },
  } as unknown as PricedEvent;
}

/** An in-memory usage_events + stream_positions with the store's exact semantics, counting what is looked up. */
function fakeStore() {
  const stored = new Map<string, { partition: number; offset: string | null }>();
  const high = new Map<string, bigint>();
  const looked: string[][] = [];
  let inserts = 0;
  const keyOf = (p: PricedEvent): string => `${p.event.tenant}/${p.event.event_id}`;
  const put = (p: PricedEvent): void => {
    stored.set(keyOf(p), { partition: p.source?.partition ?? -1, offset: p.source?.offset ?? null });
  };
  const events: Pick<AnalyticsStore['events'], 'write' | 'insert' | 'highOffset' | 'recordHighOffsets' | 'recentKeys'> = {
    async write(batch): Promise<ClassifiedWrite> {
      looked.push(batch.map((p) => p.event.event_id));
      const inserted: PricedEvent[] = [];
      const redelivered: PricedEvent[] = [];
      for (const p of batch) {
        const hit = stored.get(keyOf(p));
        if (hit === undefined) inserted.push(p);
        else if (hit.offset === (p.source?.offset ?? null) && hit.partition === (p.source?.partition ?? -1)) redelivered.push(p);
      }
      for (const p of inserted) put(p);
      return { inserted, redelivered, duplicates: batch.length - inserted.length - redelivered.length };
    },
    async insert(batch) {
      inserts++;
      for (const p of batch) put(p);
    },
    async highOffset(topic, partition) {
      return high.get(`${topic}/${partition}`)?.toString() ?? null;
    },
    async recordHighOffsets(positions) {
      for (const { topic, partition, offset } of positions) {
        const k = `${topic}/${partition}`;
        const o = BigInt(offset);
        if ((high.get(k) ?? -1n) < o) high.set(k, o);
      }
    },
    async recentKeys(_topic, partition) {
      return [...stored.entries()].filter(([, v]) => v.partition === partition).map(([k]) => {
        const [tenant = '', event_id = ''] = k.split('/');
        return { tenant, event_id };
      });
    },
  };
  return { store: { events } as unknown as Pick<AnalyticsStore, 'events'>, stored, looked, high, inserts: () => inserts };
}

const ids = (events: readonly PricedEvent[]): string[] => events.map((p) => p.event.event_id);
const range = (from: number, n: number, prefix = 'e'): PricedEvent[] => Array.from({ length: n }, (_, i) => ev(`${prefix}${from + i}`, from + i));

describe('windowed store sink', () => {
  it('inserts new events at new positions without asking the store which are stored, whatever it holds', async () => {
    const f = fakeStore();
    // History: 5,000 events stored by earlier work (not from this partition's log positions).
    for (let i = 0; i < 5_000; i++) f.stored.set(`acme/old${i}`, { partition: 9, offset: null });
    const sink = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    for (let b = 0; b < 10; b++) {
      const r = await sink.write(range(b * 100, 100));
      expect(r.counted).toHaveLength(100);
      expect(r.duplicates).toBe(0);
    }
    expect(f.looked).toEqual([]);
    expect(f.high.get('raw/0')).toBe(999n);
    expect(f.stored.size).toBe(6_000);
  });

  it('looks up a redelivered batch (at or below the recorded high offset) and counts it without inserting it again', async () => {
    const f = fakeStore();
    await createWindowedStoreSink(f.store, { windowMs: 600_000 }).write(range(0, 50));
    // A new process (restart): the same positions again, plus new ones.
    const sink = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    const r = await sink.write(range(40, 20));
    expect(f.looked).toEqual([ids(range(40, 10))]);
    expect(ids(r.counted)).toEqual(ids(range(40, 20)));
    expect(r.duplicates).toBe(0);
    expect(f.stored.size).toBe(60);
  });

  it('drops an id sent again at another position within the window, in the store and for the counters', async () => {
    const f = fakeStore();
    const sink = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    await sink.write(range(0, 100));
    await sink.write(range(100, 100));
    // e5 again, 5,000 offsets later, in a later batch.
    const r = await sink.write([ev('x1', 5_000), ev('e5', 5_001), ev('x2', 5_002)]);
    expect(ids(r.counted)).toEqual(['x1', 'x2']);
    expect(r.duplicates).toBe(1);
    expect(f.looked).toEqual([['e5']]);
  });

  it('refills its window from the store after a restart, so a duplicate of an event stored before it is dropped', async () => {
    const f = fakeStore();
    await createWindowedStoreSink(f.store, { windowMs: 600_000 }).write(range(0, 30));
    const sink = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    const r = await sink.write([ev('e7', 900), ev('n1', 901)]);
    expect(ids(r.counted)).toEqual(['n1']);
    expect(r.duplicates).toBe(1);
  });

  it('refills again when another process moved the partition on (it held the partition meanwhile)', async () => {
    const f = fakeStore();
    const a = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    const b = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    await a.write(range(0, 10));
    await b.write(range(10, 10, 'b'));
    // Back at A: a duplicate of an event B stored.
    const r = await a.write([ev('b12', 40), ev('n2', 41)]);
    expect(ids(r.counted)).toEqual(['n2']);
    expect(r.duplicates).toBe(1);
  });

  it('drops repeats inside one batch (first wins) and looks up events that did not come from the log', async () => {
    const f = fakeStore();
    const sink = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    const r = await sink.write([ev('a', 1), ev('a', 2), ev('c', null)]);
    expect(ids(r.counted)).toEqual(['a', 'c']);
    expect(r.duplicates).toBe(1);
    expect(f.looked).toEqual([['c']]);
  });

  it('a retried write (the insert failed after the high offset was recorded) is looked up and inserted once', async () => {
    const f = fakeStore();
    const sink = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    const events = f.store.events as unknown as { insert: (b: readonly PricedEvent[]) => Promise<void> };
    const real = events.insert.bind(events);
    let fail = true;
    events.insert = async (b) => {
      if (fail) {
        fail = false;
        throw new Error('store down');
      }
      await real(b);
    };
    await expect(sink.write(range(0, 5))).rejects.toThrow(/store down/);
    const r = await sink.write(range(0, 5));
    expect(ids(r.counted)).toEqual(ids(range(0, 5)));
    expect(f.looked).toEqual([ids(range(0, 5))]);
    expect(f.stored.size).toBe(5);
  });
});

describe('recent-id window', () => {
  it('recognises every id added within the window and forgets ids once older', () => {
    const w = new RecentIdWindow({ windowMs: 60_000, buckets: 6 });
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 50_000; i++) w.add(`acme\u0000id-${i}`, t0 + i);
    for (let i = 0; i < 50_000; i += 97) expect(w.mightHave(`acme\u0000id-${i}`, t0 + 50_000 + 60_000 - 50_000 + i - 1)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 50_000; i++) if (w.mightHave(`acme\u0000other-${i}`, t0 + 50_000)) falsePositives++;
    expect(falsePositives).toBe(0);
    // Two windows later every table holding them is gone.
    w.add('acme\u0000late', t0 + 200_000);
    expect(w.mightHave('acme\u0000id-1', t0 + 200_000)).toBe(false);
    expect(w.stats().ids).toBe(1);
  });

  it('hashes to 64 bits, never the empty mark', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const [hi, lo] = hash64(`t\u0000${i}`);
      expect(hi !== 0 || lo !== 0).toBe(true);
      seen.add(`${hi}:${lo}`);
    }
    expect(seen.size).toBe(100_000);
  });

  it('batches of several partitions written at once go in one insert; one that landed but failed is found on retry, not written twice', async () => {
    const f = fakeStore();
    const events = (f.store as unknown as { events: { insert: (b: readonly PricedEvent[]) => Promise<void> } }).events;
    const plain = events.insert.bind(events);
    const carried: number[] = [];
    /** What each insert does, in order: held until released, or landing and then failing (a timeout after the write). */
    const plan: ('held' | 'landed-then-failed' | 'ok')[] = ['held', 'ok', 'held', 'landed-then-failed'];
    let release = (): void => undefined;
    events.insert = async (batch) => {
      carried.push(batch.length);
      const what = plan[carried.length - 1] ?? 'ok';
      if (what === 'held') await new Promise<void>((r) => (release = r));
      await plain(batch);
      if (what === 'landed-then-failed') throw Object.assign(new Error('timeout: the rows may have landed'), { code: 'STORE_UNAVAILABLE' });
    };
    const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
    const sink = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    const on = (partition: number, from: number, n: number): PricedEvent[] => Array.from({ length: n }, (_, i) => ev(`p${partition}-${from + i}`, from + i, 'acme', partition));

    // Partition 0's insert is in flight; partitions 1 and 2 write meanwhile: one insert carries both.
    const first = sink.write(on(0, 0, 3));
    await tick();
    const others = [sink.write(on(1, 0, 2)), sink.write(on(2, 0, 4))];
    await tick();
    release();
    expect((await Promise.all([first, ...others])).map((r) => r.counted.length)).toEqual([3, 2, 4]);
    expect(carried).toEqual([3, 6]);

    // Again, but the grouped insert lands and then fails: both batches fail; each retries alone and is found stored.
    const blocker = sink.write(on(0, 3, 1));
    await tick();
    const a = on(1, 2, 2);
    const b = on(2, 4, 3);
    const pending = Promise.allSettled([sink.write(a), sink.write(b)]);
    await tick();
    release();
    await blocker;
    expect((await pending).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(carried).toEqual([3, 6, 1, 5]);
    for (const batch of [a, b]) {
      const r = await sink.write(batch);
      expect(ids(r.counted)).toEqual(ids(batch));
      expect(r.duplicates).toBe(0);
    }
    // The retries looked the events up and inserted nothing again.
    expect(carried).toEqual([3, 6, 1, 5]);
    expect(f.looked.flat()).toEqual(expect.arrayContaining([...ids(a), ...ids(b)]));
    expect(f.stored.size).toBe(3 + 2 + 4 + 1 + 2 + 3);
  });

  it('records the high offsets of batches inserted together in one store write, before their events', async () => {
    const f = fakeStore();
    const events = (f.store as unknown as { events: Pick<AnalyticsStore['events'], 'insert' | 'recordHighOffsets'> }).events;
    const plainInsert = events.insert.bind(events);
    const plainRecord = events.recordHighOffsets.bind(events);
    const order: string[] = [];
    let release = (): void => undefined;
    let held = true;
    events.insert = async (batch) => {
      order.push(`insert ${batch.length}`);
      if (held) {
        held = false;
        await new Promise<void>((r) => (release = r));
      }
      await plainInsert(batch);
    };
    events.recordHighOffsets = async (positions) => {
      order.push(`positions ${positions.map((p) => `${p.partition}@${p.offset}`).join(',')}`);
      await plainRecord(positions);
    };
    const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
    const sink = createWindowedStoreSink(f.store, { windowMs: 600_000 });
    const on = (partition: number, from: number, n: number): PricedEvent[] => Array.from({ length: n }, (_, i) => ev(`p${partition}-${from + i}`, from + i, 'acme', partition));

    // Partition 0's insert is in flight; partitions 1, 2 and 3 write meanwhile and go in the next insert together.
    const first = sink.write(on(0, 0, 3));
    await tick();
    const others = [sink.write(on(1, 0, 2)), sink.write(on(2, 10, 4)), sink.write(on(3, 7, 1))];
    await tick();
    release();
    expect((await Promise.all([first, ...others])).map((r) => r.counted.length)).toEqual([3, 2, 4, 1]);
    expect(order).toEqual(['positions 0@2', 'insert 3', 'positions 1@1,2@13,3@7', 'insert 7']);
    expect([...f.high].sort()).toEqual([['raw/0', 2n], ['raw/1', 1n], ['raw/2', 13n], ['raw/3', 7n]]);
  });
});
