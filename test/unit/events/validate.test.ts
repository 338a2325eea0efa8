import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usageEventV1 } from '../../../src/events/schema.js';
import { fastValidate, validateCandidate } from '../../../src/events/validate.js';

const FIELDS = [
  'event_id', 'occurred_at', 'received_at', 'tenant', 'user_id', 'group', 'session_id', 'agent', 'feature', 'request_id',
  'api_key_id', 'provider', 'model', 'usage', 'audio_seconds', 'tool_calls', 'images', 'web_search_requests', 'batch',
  'service_tier', 'status', 'error_type', 'duration_ms', 'ttft_ms', 'cost', 'metadata', 'extra',
] as const;

/** Values near every rule's edge, valid and not. */
const edgeValue = fc.oneof(
  fc.constantFrom(
    '', 'a', ' ', 'ok', 'error', 'cancelled', 'OK', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), 'x'.repeat(256), 'x'.repeat(257),
    '2026-01-31T12:00:00Z', '2026-01-31 12:00:00.123456789+05:30', '2026-02-29T00:00:00Z', '2028-02-29T00:00:00Z', '2026-13-01T00:00:00Z',
    '1969-12-31T23:59:59Z', '2026-01-31T24:00:00Z', '2026-01-31T12:00:00', '0.5', '1e-7', '-1', '1.', 'abc', 'id with space', 'ключ',
    0, -0, 1, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Infinity, NaN, true, false, null,
    // Issue #10: the store's limits (counts, seconds, money, well-formed text).
    1_000_000, 1_000_001, 1e7, 1e7 + 0.5, 1e9, 1e9 + 1, 1e16, 1e30, 1e-16, 4294967296, '1e30', '1000000000', '1000000000.1', '0.000000000000001', '0.0000000000000001',
    'x\ud800y', '\udc00', '😀',
  ),
  fc.constant({ ['k\ud800']: 'v' }),
  fc.constant({ nested: { deep: ['ok', 'x\udbff'] } }),
  fc.constant({}),
  fc.constant([]),
  fc.dictionary(fc.constantFrom('', 'team', 'k'.repeat(129), 'env'), fc.oneof(fc.string({ maxLength: 3 }), fc.constant('v'.repeat(1025)), fc.integer()), { maxKeys: 3 }),
  fc.string({ maxLength: 5 }),
  fc.double(),
);

const candidate = fc
  .record({
    base: fc.constant({ model: 'gpt-4o', usage: { prompt_tokens: 1 } } as Record<string, unknown>),
    changes: fc.dictionary(fc.constantFrom(...FIELDS), edgeValue, { maxKeys: 4 }),
    drop: fc.subarray(['model', 'usage']),
  })
  .map(({ base, changes, drop }) => {
    const c: Record<string, unknown> = { ...base, ...changes };
    for (const k of drop) delete c[k];
    return c;
  });

describe('fastValidate', () => {
  it('accepts nothing zod rejects, and builds exactly what zod builds', () => {
    fc.assert(
      fc.property(candidate, (c) => {
        const fast = fastValidate(structuredClone(c));
        const slow = usageEventV1.safeParse(structuredClone(c));
        if (fast !== null) {
          expect(slow.success).toBe(true);
          expect(fast).toEqual(slow.data);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the typical valid event on the fast path', () => {
    const c = { event_id: 'e-1', occurred_at: '2026-01-31T12:00:00Z', tenant: 'acme', model: 'gpt-4o', provider: 'openai', usage: { prompt_tokens: 1 }, metadata: { team: 'a' }, duration_ms: 12.5 };
    expect(fastValidate({ ...c })).toEqual({ ...c, status: 'ok' });
  });

  it('validateCandidate agrees with zod on success and failure', () => {
    fc.assert(
      fc.property(candidate, (c) => {
        const out = validateCandidate(structuredClone(c));
        const slow = usageEventV1.safeParse(structuredClone(c));
        expect(out.ok).toBe(slow.success);
        if (out.ok && slow.success) expect(out.event).toEqual(slow.data);
        if (!out.ok) for (const e of out.errors) expect(e.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });
});
