import { describe, expect, it } from 'vitest';
import { backoffDelay, withRetry } from '../../../src/core/retry.js';
import { TallyError } from '../../../src/core/errors.js';

describe('withRetry', () => {
  it('retries retriable errors with growing, capped delays, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw new TallyError('STORE_UNAVAILABLE', 'down');
        return 'ok';
      },
      { initialDelayMs: 1, maxDelayMs: 4, onRetry: (_e, _a, d) => delays.push(d), random: () => 1 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(delays).toEqual([1, 2, 4]);
  });

  it('does not retry an error that is not retriable', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new TallyError('VALIDATION_FAILED', 'bad');
      }),
    ).rejects.toThrow('bad');
    expect(calls).toBe(1);
  });

  it('gives up after the configured retries with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new TallyError('LOG_UNAVAILABLE', `attempt ${calls}`);
      }, { retries: 2, initialDelayMs: 1 }),
    ).rejects.toThrow('attempt 3');
  });

  it('keeps jitter within [ceiling/2, ceiling]', () => {
    for (let attempt = 1; attempt < 20; attempt++) {
      const d = backoffDelay(attempt, { initialDelayMs: 100, maxDelayMs: 10_000, random: Math.random });
      const ceiling = Math.min(10_000, 100 * 2 ** (attempt - 1));
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
  });
});
