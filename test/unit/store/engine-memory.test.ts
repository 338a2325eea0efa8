/** The engine's memory as /metrics reports it: jemalloc's statistics line read, and a scrape that survives a store that does not answer. */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/core/metrics.js';
import { allocatorBytes } from '../../../src/store/operations/engine.js';
import { createEngineOperations } from '../../../src/store/operations/engine-sql.js';
import type { SqlExecutor } from '../../../src/store/types.js';

// The summary line of jemalloc 5.3's malloc_stats_print, as chDB's system.jemalloc_stats prints it.
const STATS = [
  '___ Begin jemalloc statistics ___',
  'Version: "5.3-RC"',
  'Allocated: 59766784, active: 62914560, metadata: 8910208 (n_thp 0, edata 1120512, rtree 360448), resident: 85164032, mapped: 96468992, retained: 17870848',
  'Count of realloc(non-null-ptr, 0) calls: 0',
].join('\n');

describe('allocatorBytes', () => {
  it('reads what jemalloc has allocated and the pages it holds from its statistics text', () => {
    expect(allocatorBytes(STATS)).toEqual({ allocatorAllocatedBytes: 59_766_784, allocatorResidentBytes: 85_164_032 });
  });

  it('gives nulls for text without the summary line (an engine built without jemalloc, or another format)', () => {
    expect(allocatorBytes('')).toEqual({ allocatorAllocatedBytes: null, allocatorResidentBytes: null });
    expect(allocatorBytes('Allocated: 12, active: 40')).toEqual({ allocatorAllocatedBytes: null, allocatorResidentBytes: null });
  });
});

describe('engine.memory()', () => {
  /** An executor answering the three system-table reads, failing the first `failures` calls. */
  function executor(failures: number): SqlExecutor {
    let calls = 0;
    const query = async (q: { sql: string }): Promise<unknown[]> => {
      if (calls++ < failures) throw new Error('STORE_UNAVAILABLE');
      if (q.sql.includes('MemoryTracking')) return [{ bytes: '4096' }];
      if (q.sql.includes('system.tables')) return [{ n: '1' }];
      return [{ stats: STATS }];
    };
    return { kind: 'chdb', database: 'tally', query } as unknown as SqlExecutor;
  }

  it('reads the tracked memory and the allocator’s pages', async () => {
    expect(await createEngineOperations(executor(0)).memory()).toEqual({ trackedBytes: 4096, allocatorAllocatedBytes: 59_766_784, allocatorResidentBytes: 85_164_032 });
  });

  it('asks again whether the engine has jemalloc’s statistics after a read that failed, instead of keeping the failure', async () => {
    const engine = createEngineOperations(executor(1));
    await expect(engine.memory()).rejects.toThrow('STORE_UNAVAILABLE');
    expect(await engine.memory()).toEqual({ trackedBytes: 4096, allocatorAllocatedBytes: 59_766_784, allocatorResidentBytes: 85_164_032 });
  });
});

describe('tally_engine_memory_bytes', () => {
  it('is absent until a source is named, then read at each scrape, without the kinds the engine does not report', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(await metrics.registry.metrics()).not.toMatch(/^tally_engine_memory_bytes\{/m);
    let tracked = 1000;
    metrics.readEngineMemoryFrom(async () => ({ tracked: tracked++, allocator_allocated: 2000, allocator_resident: null }));
    const first = await metrics.registry.metrics();
    expect(first).toMatch(/^tally_engine_memory_bytes\{kind="tracked"\} 1000$/m);
    expect(first).toMatch(/^tally_engine_memory_bytes\{kind="allocator_allocated"\} 2000$/m);
    expect(first).not.toMatch(/kind="allocator_resident"/);
    expect(await metrics.registry.metrics()).toMatch(/^tally_engine_memory_bytes\{kind="tracked"\} 1001$/m);
  });

  it('leaves the kinds out, and the scrape whole, when the store does not answer', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.readEngineMemoryFrom(async () => ({ tracked: 5, allocator_allocated: 6, allocator_resident: 7 }));
    expect(await metrics.registry.metrics()).toMatch(/kind="tracked"\} 5$/m);
    metrics.readEngineMemoryFrom(() => Promise.reject(new Error('STORE_UNAVAILABLE')));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^tally_ready /m);
    expect(text).not.toMatch(/^tally_engine_memory_bytes\{/m);
  });
});
