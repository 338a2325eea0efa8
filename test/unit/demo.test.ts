import { describe, expect, it } from 'vitest';
import { BATCH_FEATURE, ERROR_TYPES, MODEL_LATENCY, SESSION_CALLS, demoEvents } from '../../src/demo/traffic.js';
import { DEMO_BUDGET_SHARE, demoBudget, demoBudgetCost, inDemoBudget, limitFor } from '../../src/demo/budget.js';
import { acceptInput } from '../../src/pipeline/price-event.js';
import { createPricer } from '../../src/pricing/pricer.js';
import { loadCatalog } from '../../src/pricing/price-files.js';
import { EVENT_STATUSES } from '../../src/core/dimensions.js';
import { parseUsd } from '../../src/core/money.js';
import { parseBudget } from '../../src/budgets/model.js';

type Generated = Record<string, unknown> & { session_id: string; model: string; status: string; duration_ms: number; feature: string };

function take(n: number, seed: number, live = false): Generated[] {
  const gen = demoEvents({ seed, live, now: () => new Date('2026-12-01T12:00:00Z') });
  return Array.from({ length: n }, () => gen.next().value as Generated);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** Every number of a usage object. */
function numbers(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(numbers);
  return [];
}

const events = take(20_000, 11);

describe('demo traffic', () => {
  it('is valid and normalizable, apart from the deliberately invalid share', () => {
    const now = new Date();
    const valid = demoEvents({ seed: 3 });
    for (let i = 0; i < 20_000; i++) {
      const out = acceptInput(valid.next().value, { receivedAt: now });
      if (!out.ok) throw new Error(`event ${i}: ${out.rejection.message}`);
    }
    const mixed = demoEvents({ seed: 4, invalidRate: 0.1 });
    let rejected = 0;
    for (let i = 0; i < 2_000; i++) if (!acceptInput(mixed.next().value, { receivedAt: now }).ok) rejected++;
    expect(rejected).toBeGreaterThan(100);
    expect(rejected).toBeLessThan(300);
  });

  it('is the same stream for the same seed, another for another seed', () => {
    expect(take(2_000, 11)).toEqual(events.slice(0, 2_000));
    expect(JSON.stringify(take(200, 12))).not.toBe(JSON.stringify(events.slice(0, 200)));
  });

  it('answers fast on small models and slow on big ones, with a spread', () => {
    const ok = events.filter((e) => e.status === 'ok');
    const byModel = MODEL_LATENCY.map((m) => {
      const ms = ok.filter((e) => e.model === m.model).map((e) => e.duration_ms).sort((a, b) => a - b);
      return { model: m.model, planned: m.latency.medianMs, calls: ms.length, p50: quantile(ms, 0.5), p95: quantile(ms, 0.95) };
    });
    console.log('demo latency by model (ms):', byModel.map((m) => `${m.model} p50 ${m.p50} p95 ${m.p95} (${m.calls})`).join('; '));
    // The measured medians are in the planned order, each within 15 % of its plan, and p95 well above p50.
    const planned = [...byModel].sort((a, b) => a.planned - b.planned).map((m) => m.model);
    expect([...byModel].sort((a, b) => a.p50 - b.p50).map((m) => m.model)).toEqual(planned);
    for (const m of byModel) {
      expect(m.calls, m.model).toBeGreaterThan(200);
      expect(Math.abs(m.p50 / m.planned - 1), m.model).toBeLessThan(0.15);
      expect(m.p95 / m.p50, m.model).toBeGreaterThan(1.5);
    }
    const fastest = byModel.find((m) => m.model === 'claude-3-haiku-20240307');
    const slowest = byModel.find((m) => m.model === 'o3-mini');
    expect((slowest?.p50 ?? 0) / (fastest?.p50 ?? 1)).toBeGreaterThan(10);
  });

  it('fails with typed errors (no tokens used), cancels a few calls, and uses only the statuses the schema allows', () => {
    const failed = events.filter((e) => e.status === 'error');
    const counts = Object.fromEntries(ERROR_TYPES.map((t) => [t.type, failed.filter((e) => e.error_type === t.type).length]));
    console.log(`demo errors: ${failed.length} of ${events.length}`, counts);
    expect(failed.length / events.length).toBeGreaterThan(0.03);
    expect(failed.length / events.length).toBeLessThan(0.08);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(failed.length);
    // Rate limits most, then 5xx, timeouts, context too long.
    expect(Object.values(counts)).toEqual([...Object.values(counts)].sort((a, b) => b - a));
    expect(Math.min(...Object.values(counts))).toBeGreaterThan(20);
    for (const e of failed) expect(numbers(e.usage).every((n) => n === 0)).toBe(true);
    for (const e of failed.filter((x) => x.error_type === 'timeout')) expect(e.duration_ms).toBeGreaterThanOrEqual(30_000);
    expect(events.filter((e) => e.error_type !== undefined && e.status !== 'error')).toEqual([]);
    expect(events.filter((e) => e.status === 'cancelled').length).toBeGreaterThan(100);
    expect(new Set(events.map((e) => e.status))).toEqual(new Set(EVENT_STATUSES));
  });

  it('groups calls in sessions of 3–12 by one user, agent and feature, interleaved', () => {
    const sessions = new Map<string, Generated[]>();
    events.forEach((e) => sessions.set(e.session_id, [...(sessions.get(e.session_id) ?? []), e]));
    // Sessions that started in the first half are over by the end of the stream.
    const firstHalf = new Set(events.slice(0, 10_000).map((e) => e.session_id));
    const done = [...sessions.entries()].filter(([id]) => firstHalf.has(id)).map(([, calls]) => calls);
    const sizes = done.map((c) => c.length);
    console.log(`demo sessions: ${done.length}, calls ${Math.min(...sizes)}–${Math.max(...sizes)}, mean ${(sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(1)}`);
    expect(Math.min(...sizes)).toBe(SESSION_CALLS.min);
    expect(Math.max(...sizes)).toBe(SESSION_CALLS.max);
    for (const calls of done) {
      for (const k of ['tenant', 'user_id', 'agent', 'feature', 'group']) expect(new Set(calls.map((c) => c[k])).size, k).toBe(1);
    }
    // Interleaved: consecutive calls mostly belong to different sessions.
    const switches = events.slice(1).filter((e, i) => e.session_id !== events[i]?.session_id).length;
    expect(switches / events.length).toBeGreaterThan(0.6);
    // Another seed (the live stream) never reuses a session id of this one.
    const other = new Set(take(2_000, 12, true).map((e) => e.session_id));
    expect([...sessions.keys()].filter((id) => other.has(id))).toEqual([]);
  });

  it('has batch reports on big priced models in the history only, never in live traffic', () => {
    const batch = events.filter((e) => e.feature === BATCH_FEATURE);
    expect(batch.length).toBeGreaterThan(1_000);
    expect(new Set(batch.map((e) => e.model))).toEqual(new Set(['gpt-4o-2024-08-06', 'claude-3-5-sonnet-20241022']));
    expect(take(20_000, 13, true).filter((e) => e.feature === BATCH_FEATURE)).toEqual([]);
  });
});

describe('demo budget near its limit', () => {
  const pricer = createPricer(loadCatalog());

  it('takes a limit the priced history fills to 90 %, in whole cents', () => {
    const history = take(14_000, 7);
    const cost = demoBudgetCost(history, pricer);
    const scoped = history.filter(inDemoBudget);
    expect(scoped.length).toBeGreaterThan(200);
    // Every event of the scope is priced, so the counters count exactly this cost.
    for (const e of scoped) {
      const a = acceptInput(e, { receivedAt: new Date() });
      if (!a.ok) throw new Error(a.rejection.message);
      expect(pricer.price({ provider: a.event.provider, model: a.event.model, occurredAt: a.event.occurred_at, usage: a.usage }).priced).toBe(true);
    }
    const limit = limitFor(cost);
    expect(limit).toMatch(/^\d+(\.\d{1,2})?$/);
    const share = Number((cost * 1_000_000n) / parseUsd(limit)) / 1_000_000;
    console.log(`demo budget: history in scope ${scoped.length} calls, limit $${limit}, used ${(share * 100).toFixed(3)} %`);
    expect(share).toBeGreaterThan(DEMO_BUDGET_SHARE - 0.001);
    expect(share).toBeLessThanOrEqual(DEMO_BUDGET_SHARE);
    expect(limitFor(0n)).toBe('0.01');
    expect(limitFor(parseUsd('9'))).toBe('10');
    expect(limitFor(parseUsd('9.000000001'))).toBe('10.01');
    // A budget the model accepts.
    expect(parseBudget(demoBudget(limit))).toMatchObject({ limit, period: 'rolling', scope: { tenant: 'initech', feature: BATCH_FEATURE } });
  });
});
