/** The heap growth bound of `tally processor` and `tally start` (src/runtime/heap.ts): when it is set, and when the operator's node flags win. */
import { describe, expect, it } from 'vitest';
import { heapGrowthFlag, nodeFlags } from '../../../src/runtime/heap.js';

describe('heapGrowthFlag', () => {
  it('bounds growth to the configured percent when node was given no such flag', () => {
    expect(heapGrowthFlag(50, [])).toBe('--heap-growing-percent=50');
    expect(heapGrowthFlag(50, ['--max-old-space-size=192', '--enable-source-maps'])).toBe('--heap-growing-percent=50');
  });

  it('leaves V8 its own heuristics at 0', () => {
    expect(heapGrowthFlag(0, [])).toBeNull();
  });

  it('lets a --heap-growing-percent in NODE_OPTIONS or node arguments win, in either spelling', () => {
    expect(heapGrowthFlag(50, ['--heap-growing-percent=200'])).toBeNull();
    expect(heapGrowthFlag(50, ['--heap_growing_percent=200'])).toBeNull();
    expect(heapGrowthFlag(50, ['--heap-growing-percent'])).toBeNull();
    expect(heapGrowthFlag(50, ['--heap-growing-percentage=1'])).toBe('--heap-growing-percent=50');
  });

  it('reads the flags from node arguments and NODE_OPTIONS', () => {
    expect(nodeFlags({ NODE_OPTIONS: '  --max-old-space-size=192   --heap-growing-percent=80 ' }, ['--import', 'tsx'])).toEqual(['--import', 'tsx', '--max-old-space-size=192', '--heap-growing-percent=80']);
    expect(nodeFlags({}, [])).toEqual([]);
  });
});
