import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileObject } from '../../../src/events/compiled.js';
import { passesWhen } from '../../../src/events/zod-rules.js';
import { formatPath } from '../../../src/events/paths.js';
import { usageEventV1, type UsageEvent } from '../../../src/events/schema.js';
import { compiledValidate, validateCandidate } from '../../../src/events/validate.js';

const FIELDS = Object.keys(usageEventV1.shape);

/** Values near every rule's edge, valid and not, and anything at all. */
const value = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(
    '', 'a', 'ok', 'error', 'cancelled', 'OK', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), 'x'.repeat(256), 'x'.repeat(257),
    '2026-01-31T12:00:00Z', '2026-01-31 12:00:00.123456789+05:30', '2028-02-29T00:00:00Z', '2026-02-29T00:00:00Z', '1969-12-31T23:59:59Z', '2106-01-01T00:00:00Z',
    '0.5', '1e-7', '-1', '1.', '1e30', '1000000000', '1000000000.1', '0.000000000000001', '0.0000000000000001', 'id with space', 'x\ud800y', '\udc00', '😀',
    0, -0, 1, -1, 1.5, 1e21, 1_000_000, 1_000_001, 1e7, 1e9 + 1, Number.MAX_SAFE_INTEGER + 2, Infinity, NaN, true, false, null, undefined,
  ) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('', 'team', 'k'.repeat(129), 'env', 'k\ud800', '__proto__'), fc.oneof(fc.string({ maxLength: 3 }), fc.constant('v'.repeat(1025)), fc.integer(), fc.constant({ deep: ['x\udbff'] })), { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 2_000_000 }) },
);

/** A valid event, changed in up to four fields (any field, or an unknown one), maybe without model or usage. */
const candidate = fc
  .record({
    changes: fc.dictionary(fc.constantFrom(...FIELDS, 'unknown_field'), value, { maxKeys: 4 }),
    drop: fc.subarray(['model', 'usage']),
    proto: fc.boolean(),
  })
  .map(({ changes, drop, proto }) => {
    const base = JSON.parse(`{"model":"gpt-4o","usage":{"prompt_tokens":1${proto ? ',"__proto__":{"x":1}' : ''}}}`) as Record<string, unknown>;
    const c: Record<string, unknown> = { ...base, ...changes };
    for (const k of drop) delete c[k];
    return c;
  });

/** The value without own `__proto__` keys (zod skips them; tally keeps one that would pass as another key). */
function withoutProto(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== '__proto__') out[k] = withoutProto(x);
  return out;
}

describe('validator compiled from the zod schema', () => {
  /** Runs `check` on random candidates with zod's answer for a copy of each. */
  const againstZod = (numRuns: number, check: (c: Record<string, unknown>, slow: ReturnType<typeof usageEventV1.safeParse>) => void): void =>
    fc.assert(fc.property(candidate, (c) => check(structuredClone(c), usageEventV1.safeParse(structuredClone(c)))), { numRuns });

  it('accepts and refuses exactly what zod accepts and refuses, and builds what zod builds', () => {
    againstZod(10_000, (c, slow) => {
      const verdict = compiledValidate(c);
      expect(verdict.ok).toBe(slow.success);
      if (verdict.ok && verdict.value !== null && slow.success) expect(withoutProto(verdict.value)).toEqual(slow.data);
    });
  });

  it('refuses with the same field paths as zod, and accepts with the same event', () => {
    againstZod(5_000, (c, slow) => {
      const paths = slow.success ? [] : slow.error.issues.map((i) => formatPath(i.path));
      const out = validateCandidate(c);
      expect(out.ok).toBe(slow.success);
      if (out.ok && slow.success) expect(withoutProto(out.event)).toEqual(slow.data);
      if (!out.ok) {
        expect(out.errors.map((e) => e.path)).toEqual(paths);
        for (const e of out.errors) expect(e.reason.length).toBeGreaterThan(0);
      }
    });
  });

  it('takes the typical event as it is, defaults filled in', () => {
    const c = { event_id: 'e-1', occurred_at: '2026-01-31T12:00:00Z', model: 'gpt-4o', provider: 'openai', usage: { prompt_tokens: 1 }, metadata: { team: 'a' }, duration_ms: 12.5 };
    const verdict = compiledValidate({ ...c });
    expect(verdict).toEqual({ ok: true, value: { ...c, tenant: 'default', status: 'ok' } as UsageEvent });
  });

  it('keeps a `__proto__` key of usage as an own field, as it keeps unknown fields', () => {
    const c = JSON.parse('{"model":"m","usage":{"__proto__":{"a":1},"input":2}}') as Record<string, unknown>;
    const verdict = compiledValidate(c);
    expect(verdict.ok && verdict.value !== null && Object.prototype.hasOwnProperty.call(verdict.value.usage, '__proto__')).toBe(true);
  });

  it('refuses to compile what it does not know, rather than accept more than zod', () => {
    expect(() => compileObject(z.object({ email: z.string().email() }))).toThrow(/unsupported zod construct/);
    expect(() => compileObject(z.object({ list: z.array(z.string()) }))).toThrow(/unsupported zod construct/);
    expect(() => compileObject(z.object({ at: z.date() }))).toThrow(/unsupported zod construct/);
  });

  it("calls a check's own predicate (passesWhen) instead of running zod's check, with zod's verdict", () => {
    let calls = 0;
    const even = (n: number): boolean => {
      calls++;
      return n % 2 === 0;
    };
    const schema = z.object({
      n: passesWhen(z.number().superRefine((v, ctx) => {
        if (v % 2 !== 0) ctx.addIssue({ code: 'custom', message: 'must be even' });
      }), even).optional(),
    });
    const check = compileObject<z.output<typeof schema>>(schema);
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -9, max: 9 }), fc.double(), fc.string({ maxLength: 2 }), fc.constant(undefined)), (n) => {
        calls = 0;
        const verdict = check({ n });
        expect(verdict.ok).toBe(schema.safeParse({ n }).success);
        if (typeof n === 'number' && Number.isFinite(n)) expect(calls).toBe(1);
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses a predicate for a schema whose last check is not a superRefine', () => {
    expect(() => passesWhen(z.number(), () => true)).toThrow(/unsupported zod construct/);
    expect(() => passesWhen(z.string().refine((s) => s !== ''), () => true)).toThrow(/unsupported zod construct/);
  });

  it('agrees with zod on other objects built from the same constructs', () => {
    const schema = z.object({
      name: z.string().min(2).max(4).regex(/^[a-z]+$/),
      n: z.number().int().gt(0).lt(10).optional(),
      kind: z.enum(['a', 'b']).default('a'),
      tags: z.record(z.string().min(1), z.union([z.string(), z.boolean()])).refine((t) => Object.keys(t).length < 3),
    });
    const check = compileObject<z.output<typeof schema>>(schema);
    const input = fc.record(
      { name: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), n: fc.oneof(fc.double(), fc.integer({ min: -2, max: 12 }), fc.constant(undefined)), kind: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.constant(undefined)), tags: fc.dictionary(fc.string({ maxLength: 2 }), fc.oneof(fc.string(), fc.boolean(), fc.integer()), { maxKeys: 4 }) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(input, (c) => {
        const verdict = check(structuredClone(c) as Record<string, unknown>);
        const slow = schema.safeParse(structuredClone(c));
        expect(verdict.ok).toBe(slow.success);
        if (verdict.ok && verdict.value !== null && slow.success) expect(verdict.value).toEqual(slow.data);
      }),
      { numRuns: 5_000 },
    );
  });
});
