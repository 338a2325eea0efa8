import { describe, expect, it } from 'vitest';
import { ENGINE_MALLOC_CONF, ENGINE_MALLOC_CONF_ENV, applyEngineMallocConf } from '../../../src/store/chdb/allocator.js';

describe('the embedded engine’s allocator options', () => {
  it('fills JE_MALLOC_CONF in when it is unset or empty', () => {
    for (const env of [{}, { [ENGINE_MALLOC_CONF_ENV]: '' }] as NodeJS.ProcessEnv[]) {
      expect(applyEngineMallocConf(env)).toBe(ENGINE_MALLOC_CONF);
      expect(env[ENGINE_MALLOC_CONF_ENV]).toBe(ENGINE_MALLOC_CONF);
    }
  });

  it('leaves an operator’s value alone', () => {
    const env: NodeJS.ProcessEnv = { [ENGINE_MALLOC_CONF_ENV]: 'dirty_decay_ms:5000' };
    expect(applyEngineMallocConf(env)).toBe('dirty_decay_ms:5000');
    expect(env[ENGINE_MALLOC_CONF_ENV]).toBe('dirty_decay_ms:5000');
  });
});
