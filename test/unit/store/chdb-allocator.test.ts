/** chDB's allocator setting: tally's default unless the operator set JE_MALLOC_CONF (src/store/chdb/allocator.ts). */
import { describe, expect, it } from 'vitest';
import { defaultEngineAllocator, ENGINE_ALLOCATOR_CONF } from '../../../src/store/chdb/allocator.js';

describe('defaultEngineAllocator', () => {
  it('sets freed pages to go back after 1 s when JE_MALLOC_CONF is unset', () => {
    const env: NodeJS.ProcessEnv = { PATH: '/bin' };
    expect(defaultEngineAllocator(env)).toBe('dirty_decay_ms:1000');
    expect(env.JE_MALLOC_CONF).toBe(ENGINE_ALLOCATOR_CONF);
  });

  it('leaves an operator’s setting as it is, an empty one included (jemalloc’s build settings)', () => {
    for (const value of ['dirty_decay_ms:0', 'dirty_decay_ms:5000,muzzy_decay_ms:0', '']) {
      const env: NodeJS.ProcessEnv = { JE_MALLOC_CONF: value };
      expect(defaultEngineAllocator(env)).toBe(value);
      expect(env).toEqual({ JE_MALLOC_CONF: value });
    }
  });
});
