/**
 * Issue #10, items 2–4 at the edge: every value the store cannot hold is
 * refused by validation, with the field path and the reason — never accepted
 * (202) and then refused, wrapped, truncated or dropped by the store.
 */
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../src/events/parse.js';
import { EVENT_LIMITS, usageEventV1 } from '../../../src/events/schema.js';
import { MAX_EVENT_COST } from '../../../src/events/cost.js';
import { parseUsd } from '../../../src/core/money.js';
import { acceptInput } from '../../../src/pipeline/price-event.js';
import { DEFAULT_TIME_WINDOW, oldestAccepted } from '../../../src/events/stamp.js';
import type { FieldError } from '../../../src/core/errors.js';

const base = { event_id: 'e-1', tenant: 'acme', provider: 'openai', model: 'gpt-4o', usage: { prompt_tokens: 10, completion_tokens: 2 } };
const now = new Date('2026-03-15T12:00:00.000Z');

/** The field errors of an input, or [] when the edge accepts it (parse, stamp with the default window, normalize). */
function refusal(input: unknown, receivedAt = now): FieldError[] {
  const out = acceptInput(JSON.stringify(input), { receivedAt, timeWindow: DEFAULT_TIME_WINDOW });
  return out.ok ? [] : [...out.rejection.errors];
}

function refusedAt(input: unknown, path: string, reason?: RegExp): void {
  const errors = refusal(input);
  expect(errors.map((e) => e.path), JSON.stringify(errors)).toContain(path);
  if (reason) expect(errors.find((e) => e.path === path)?.reason).toMatch(reason);
}

describe('item 2: values the store refuses are refused at the edge', () => {
  it('a lone UTF-16 surrogate in any string: identity fields, model, metadata, keys and values inside usage and extra', () => {
    const lone = /lone UTF-16 surrogate/;
    refusedAt({ ...base, user_id: 'x\ud800y' }, 'user_id', lone);
    refusedAt({ ...base, tenant: 'x\udc00' }, 'tenant', lone);
    refusedAt({ ...base, model: 'gpt\ud83d' }, 'model', lone);
    refusedAt({ ...base, metadata: { team: 'a\ud800' } }, 'metadata.team', lone);
    refusedAt({ ...base, metadata: { 'k\udfff': 'v' } }, 'metadata["k\\udfff"]', lone);
    refusedAt({ ...base, usage: { prompt_tokens: 1, 'odd\ud800': 1 } }, 'usage["odd\\ud800"]', lone);
    refusedAt({ ...base, usage: { prompt_tokens: 1, details: { note: ['ok', 'x\udbff'] } } }, 'usage.details.note[1]', lone);
    refusedAt({ ...base, some_unknown_field: { deep: 'x\ud800' } }, 'extra.some_unknown_field.deep', lone);
    // A surrogate pair (an emoji) is well-formed text.
    expect(refusal({ ...base, user_id: 'x😀y', metadata: { team: '😀' } })).toEqual([]);
  });

  it('a lone surrogate in the JSON text itself (the wire form the ingest and the processor read)', () => {
    const text = '{"model":"gpt-4o","usage":{"prompt_tokens":1},"user_id":"x\\ud800y"}';
    const parsed = parseEvent(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.rejection.errors[0]?.path).toBe('user_id');
  });

  it('a reported cost the store cannot hold exactly: beyond the per-event maximum, or finer than a femto-dollar', () => {
    refusedAt({ ...base, cost: 1e30 }, 'cost', /at most 1000000000/);
    refusedAt({ ...base, cost: '1e30' }, 'cost', /at most 1000000000/);
    refusedAt({ ...base, cost: '1e999' }, 'cost', /at most 1000000000/);
    refusedAt({ ...base, cost: '1000000000.000000000000001' }, 'cost', /at most/);
    refusedAt({ ...base, cost: '0.0000000000000001' }, 'cost', /15 decimal places/);
    refusedAt({ ...base, cost: 1e-16 }, 'cost', /15 decimal places/);
    expect(refusal({ ...base, cost: '1000000000' })).toEqual([]);
    expect(refusal({ ...base, cost: '0.000000000000001' })).toEqual([]);
    expect(parseUsd(EVENT_LIMITS.maxCostUsd)).toBe(MAX_EVENT_COST);
  });

  it('a cost reported inside the usage object is held to the same rule', () => {
    refusedAt({ ...base, provider: 'openrouter', usage: { prompt_tokens: 10, completion_tokens: 2, cost: 1e30 } }, 'usage', /cost that must be at most/);
  });

  it('audio_seconds beyond Decimal(18, 3) (and beyond the per-event maximum)', () => {
    refusedAt({ ...base, audio_seconds: 1e16 }, 'audio_seconds', /at most 10000000/);
    refusedAt({ ...base, model: 'whisper-1', usage: { type: 'duration', seconds: 1e16 } }, 'usage', /audio_seconds/);
    expect(refusal({ ...base, audio_seconds: EVENT_LIMITS.maxAudioSeconds })).toEqual([]);
  });

  it('latencies that would overflow the Float64 sums of the rollups', () => {
    refusedAt({ ...base, duration_ms: 1e300 }, 'duration_ms', /at most/);
    refusedAt({ ...base, ttft_ms: 1e300 }, 'ttft_ms', /at most/);
  });
});

describe('item 3: counts have a documented maximum, enforced at validation', () => {
  it('tool_calls 2^32, web_search_requests 2^32+5, images 2^53−1 (UInt32 columns that wrapped them) are refused by name', () => {
    refusedAt({ ...base, tool_calls: 4294967296 }, 'tool_calls', /at most 1000000/);
    refusedAt({ ...base, web_search_requests: 2 ** 32 + 5 }, 'web_search_requests', /at most 1000000/);
    refusedAt({ ...base, images: 2 ** 53 - 1 }, 'images', /at most 1000000/);
    expect(refusal({ ...base, tool_calls: EVENT_LIMITS.maxCount, images: EVENT_LIMITS.maxCount, web_search_requests: EVENT_LIMITS.maxCount })).toEqual([]);
  });

  it('counts read from a usage object are held to the same maxima', () => {
    refusedAt({ ...base, usage: { input: 10, tool_calls: 4294967296 } }, 'usage', /tool_calls/);
    refusedAt({ ...base, provider: 'anthropic', model: 'claude-3-5-sonnet', usage: { input_tokens: 1, output_tokens: 1, server_tool_use: { web_search_requests: 2 ** 32 + 5 } } }, 'usage', /web_search_requests/);
  });

  it('an event counts at most EVENT_LIMITS.maxTokens tokens: 2^53−1 input tokens is refused, the maximum is accepted', () => {
    refusedAt({ ...base, usage: { prompt_tokens: 2 ** 53 - 1, completion_tokens: 0 } }, 'usage', /more than the 10000000000/);
    refusedAt({ ...base, usage: { input: 6e9, output: 5e9 } }, 'usage', /11000000000 tokens/);
    expect(refusal({ ...base, usage: { input: 6e9, output: 4e9 } })).toEqual([]);
  });

  it('the SDK validates with the same schema', () => {
    expect(usageEventV1.safeParse({ ...base, tool_calls: 4294967296 }).success).toBe(false);
    expect(usageEventV1.safeParse({ ...base, user_id: 'x\ud800' }).success).toBe(false);
    expect(usageEventV1.safeParse({ ...base, cost: 1e30 }).success).toBe(false);
  });
});

describe('item 4: timestamps inside what every table holds, near the time of receipt', () => {
  it('refuses years the rollups (DateTime, Date) cannot hold: 2120, 2200, 2299', () => {
    for (const year of [2120, 2200, 2299]) {
      const parsed = parseEvent({ ...base, occurred_at: `${year}-01-01T00:00:00Z` });
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.rejection.errors[0]).toEqual({ path: 'occurred_at', reason: expect.stringMatching(/between 1970 and 2105/) });
    }
  });

  it('refuses an occurred_at more than 24 hours after receipt, naming the field', () => {
    refusedAt({ ...base, occurred_at: '2026-03-16T12:00:00.001Z' }, 'occurred_at', /more than 24 h after tally received the event/);
    expect(refusal({ ...base, occurred_at: '2026-03-16T12:00:00.000Z' })).toEqual([]);
  });

  it('refuses an occurred_at the raw retention would delete at once (1970, or 13 months back)', () => {
    refusedAt({ ...base, occurred_at: '1970-01-01T00:00:00Z' }, 'occurred_at', /kept 13 months/);
    refusedAt({ ...base, occurred_at: '2025-02-15T12:00:00Z' }, 'occurred_at', /kept 13 months/);
    expect(oldestAccepted(now.getTime(), DEFAULT_TIME_WINDOW)).toBe(Date.parse('2025-02-16T12:00:00.000Z'));
    expect(refusal({ ...base, occurred_at: '2025-02-16T12:00:00Z' })).toEqual([]);
    // Months are not clamped at month ends, so the check errs towards refusing: Mar 31 − 1 month is Mar 3.
    expect(oldestAccepted(Date.parse('2026-03-31T00:00:00Z'), { maxFutureMs: 0, retentionMonths: 1 })).toBe(Date.parse('2026-03-04T00:00:00Z'));
  });

  it('a producer-supplied received_at is held to the same window; a narrower maxAgeDays narrows it', () => {
    refusedAt({ ...base, received_at: '2120-01-01T00:00:00Z' }, 'received_at');
    refusedAt({ ...base, received_at: '2027-01-01T00:00:00Z' }, 'received_at', /after tally received/);
    const out = acceptInput(JSON.stringify({ ...base, occurred_at: '2026-03-01T00:00:00Z' }), { receivedAt: now, timeWindow: { ...DEFAULT_TIME_WINDOW, maxAgeMs: 7 * 86_400_000 } });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.rejection.errors[0]?.reason).toMatch(/at most 7 days old \(events.maxAgeDays\)/);
  });
});
