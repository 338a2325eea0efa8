import { describe, expect, it } from 'vitest';
import { errors, expectTokens, ok } from './helpers.js';

describe('canonical counts', () => {
  it('reads every class and count as given', () => {
    const u = ok({
      input: 1, cached_input: 2, cache_write_5m: 3, cache_write_1h: 4, output: 5, reasoning: 6,
      audio_input: 7, audio_output: 8, image_input: 9, image_output: 10,
      requests: 2, tool_calls: 3, web_search_requests: 4, images: 5, audio_seconds: 12.5, cost: '0.0042', total: 55,
    });
    expect(u.shape).toBe('canonical');
    expectTokens(u, { input: 1, cached_input: 2, cache_write_5m: 3, cache_write_1h: 4, output: 5, reasoning: 6, audio_input: 7, audio_output: 8, image_input: 9, image_output: 10 });
    expect(u).toMatchObject({ requests: 2, tool_calls: 3, web_search_requests: 4, images: 5, audio_seconds: 12.5, reported_cost: '0.0042', prompt_tokens: 1 + 2 + 3 + 4 + 7 + 9 });
  });

  it('requests default to 1 and may be 0', () => {
    expect(ok({ input: 10, output: 1 }).requests).toBe(1);
    expect(ok({ input: 10, output: 1, requests: 0 }).requests).toBe(0);
  });

  it('a total that is not the sum is an error', () => {
    expect(errors({ input: 10, output: 5, total: 16 })).toEqual([{ path: 'usage.total', reason: 'is 16, but the token classes add up to 15' }]);
  });

  it('only counts (a per-request price) is canonical too', () => {
    const u = ok({ requests: 1, images: 4 }, { model: 'dall-e-3' });
    expectTokens(u, {});
    expect(u.images).toBe(4);
  });
});
