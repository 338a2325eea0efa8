/**
 * Group commit of the processor's inserts (processor/group-insert.ts): a lone
 * batch inserts at once; batches that entered together go in one insert, even
 * when they get there one after another; one that never gets there holds the
 * others back for the linger at most; batches that ask while an insert is in
 * flight go together in the next, up to a size; a failed insert fails every
 * batch it carried, and only those.
 */
import { describe, expect, it } from 'vitest';
import { groupInserts, type InsertEvents } from '../../../src/processor/group-insert.js';
import type { PricedEvent, SourcePosition } from '../../../src/pipeline/types.js';

/** Stand-in events: the grouping never reads them, only counts and forwards them. */
const batch = (name: string, n: number): PricedEvent[] => Array.from({ length: n }, (_, i) => ({ id: `${name}${i}` }) as unknown as PricedEvent);
const ids = (events: readonly PricedEvent[]): string[] => events.map((e) => (e as unknown as { id: string }).id);
const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

/** An insert that records what it carried; the inserts numbered in `hold` wait for their gate. */
function recorder(hold: Record<number, Promise<void>> = {}): { insert: InsertEvents; calls: string[][]; positions: string[][] } {
  const calls: string[][] = [];
  const positions: string[][] = [];
  return {
    calls,
    positions,
    insert: async (events, at) => {
      calls.push(ids(events));
      positions.push(at.map((p) => `${p.partition}@${p.offset}`));
      await hold[calls.length];
    },
  };
}
const at = (partition: number, offset: number): SourcePosition => ({ topic: 'raw', partition, offset: String(offset) });

describe('groupInserts', () => {
  it('a lone batch inserts at once', async () => {
    const r = recorder();
    const group = groupInserts(r.insert, { maxEvents: 100, lingerMs: 60_000 });
    await group.enter().insert(batch('a', 2), []);
    expect(r.calls).toEqual([['a0', 'a1']]);
  });

  it('hands an insert the log positions of every batch it carries, in one call with their events', async () => {
    const g = gate();
    const r = recorder({ 1: g.wait });
    const group = groupInserts(r.insert, { maxEvents: 100, lingerMs: 60_000 });
    const first = group.enter().insert(batch('a', 1), [at(0, 9)]);
    await tick();
    const rest = [group.enter().insert(batch('b', 2), [at(1, 4)]), group.enter().insert(batch('c', 1), []), group.enter().insert(batch('d', 1), [at(2, 7), at(3, 1)])];
    await tick();
    g.open();
    await Promise.all([first, ...rest]);
    expect(r.calls).toEqual([['a0'], ['b0', 'b1', 'c0', 'd0']]);
    expect(r.positions).toEqual([['0@9'], ['1@4', '2@7', '3@1']]);
  });

  it('batches that entered together go in one insert, though they ask one after another', async () => {
    const r = recorder();
    const groups: { batches: number; events: number }[] = [];
    const group = groupInserts(r.insert, { maxEvents: 100, lingerMs: 60_000, onInsert: (g) => groups.push(g) });
    const [a, b, c] = [group.enter(), group.enter(), group.enter()];
    const done = [a.insert(batch('a', 1), [])];
    await tick();
    expect(r.calls).toEqual([]);
    done.push(c.insert(batch('c', 2), []));
    await tick();
    expect(r.calls).toEqual([]);
    done.push(b.insert(batch('b', 1), []));
    await Promise.all(done);
    expect(r.calls).toEqual([['a0', 'c0', 'c1', 'b0']]);
    expect(groups).toEqual([{ batches: 3, events: 4 }]);
  });

  it('a batch that leaves without inserting lets the others go; one that never comes holds them for the linger only', async () => {
    const r = recorder();
    const group = groupInserts(r.insert, { maxEvents: 100, lingerMs: 40 });
    const [a, b] = [group.enter(), group.enter()];
    const first = a.insert(batch('a', 1), []);
    await tick();
    b.leave();
    await first;
    expect(r.calls).toEqual([['a0']]);
    group.enter(); // never inserts, never leaves
    const t0 = Date.now();
    await group.enter().insert(batch('d', 1), []);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    expect(r.calls).toEqual([['a0'], ['d0']]);
  });

  it('batches that ask while an insert is in flight go together in the next, within maxEvents, in arrival order', async () => {
    const held = gate();
    const r = recorder({ 1: held.wait });
    const group = groupInserts(r.insert, { maxEvents: 3, lingerMs: 60_000 });
    const first = group.enter().insert(batch('a', 1), []);
    await tick();
    const rest = [group.enter().insert(batch('b', 2), []), group.enter().insert(batch('c', 1), []), group.enter().insert(batch('d', 5), []), group.enter().insert(batch('e', 1), [])];
    held.open();
    await Promise.all([first, ...rest]);
    expect(r.calls).toEqual([['a0'], ['b0', 'b1', 'c0'], ['d0', 'd1', 'd2', 'd3', 'd4'], ['e0']]);
  });

  it('a failed insert fails every batch it carried and no other; the next insert goes on', async () => {
    const held = gate();
    let n = 0;
    const group = groupInserts(async (events) => {
      n++;
      if (n === 1) await held.wait;
      if (ids(events).includes('bad0')) throw Object.assign(new Error('store refused'), { code: 'STORE_UNAVAILABLE' });
    }, { maxEvents: 10, lingerMs: 60_000 });
    const a = group.enter().insert(batch('a', 1), []);
    await tick();
    const b = group.enter().insert(batch('bad', 1), []);
    const c = group.enter().insert(batch('c', 1), []);
    held.open();
    await expect(a).resolves.toBeUndefined();
    await expect(b).rejects.toThrow('store refused');
    await expect(c).rejects.toThrow('store refused');
    await expect(group.enter().insert(batch('d', 1), [])).resolves.toBeUndefined();
  });
});
