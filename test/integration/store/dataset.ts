/**
 * Data for the analytics-store contract: a mixed batch of events whose totals
 * are known independently, and helpers to compare totals rows.
 */
import { expect } from 'vitest';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { daysAgo, pricedEvent } from '../../support/store-fixtures.js';
import type { TenantTotalsRow } from '../../../src/store/queries/index.js';
import { parseUsd, formatUsd } from '../../../src/money.js';

const MODELS = [
  { model: 'gpt-4o-2024-08-06', modelKey: 'openai/gpt-4o', provider: 'openai' },
  { model: 'claude-3-5-sonnet-20241022', modelKey: 'anthropic/claude-3-5-sonnet', provider: 'anthropic' },
  { model: 'gemini-2.0-flash', modelKey: 'gemini/gemini-2.0-flash', provider: 'gemini' },
];

/**
 * `count` events for `tenant` spread over days 3..1 ago, at minutes that
 * include the half and quarter hours (so zones like Asia/Kolkata matter),
 * with every token class, cost class, unpriced and error events, latencies.
 */
export function mixedEvents(tenant: string, count: number, prefix = 'mx'): PricedEvent[] {
  const out: PricedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const m = MODELS[i % MODELS.length] as (typeof MODELS)[number];
    const day = 1 + (i % 3);
    const hour = (i * 7) % 24;
    const minute = [0, 15, 30, 40, 45, 59][i % 6] as number;
    const priced = i % 11 !== 0;
    out.push(
      pricedEvent({
        tenant,
        eventId: `${prefix}-${i}`,
        occurredAt: daysAgo(day, hour, minute),
        userId: `user-${i % 5}`,
        group: `team-${i % 2}`,
        agent: i % 4 === 0 ? undefined : `agent-${i % 3}`,
        feature: `feature-${i % 2}`,
        apiKeyId: `key-${i % 3}`,
        sessionId: `s-${i % 7}`,
        ...m,
        priced,
        status: i % 13 === 0 ? 'error' : 'ok',
        tokens: {
          input: 1000 + i,
          cached_input: (i % 4) * 100,
          cache_write_5m: i % 5,
          cache_write_1h: i % 3,
          output: 200 + (i % 50),
          reasoning: (i % 6) * 10,
          audio_input: i % 2,
          audio_output: i % 3,
          image_input: i % 7,
          image_output: i % 2,
        },
        costs: {
          input: parseUsd('0.0000025') * BigInt(1000 + i),
          cached_input: parseUsd('0.00000125') * BigInt((i % 4) * 100),
          output: parseUsd('0.00001') * BigInt(200 + (i % 50)),
          reasoning: parseUsd('0.00001') * BigInt((i % 6) * 10),
          request: parseUsd('0.0001'),
          tool_call: parseUsd('0.003') * BigInt(i % 3),
          web_search: parseUsd('0.01') * BigInt(i % 2),
          audio_second: parseUsd('0.0001') * BigInt(i % 4),
          image: parseUsd('0.04') * BigInt(i % 2),
        },
        cacheSavings: parseUsd('0.00000125') * BigInt((i % 4) * 100),
        durationMs: i % 5 === 0 ? undefined : 100 + i * 1.25,
        ttftMs: i % 3 === 0 ? undefined : 20 + i * 0.5,
        audioSeconds: (i % 4) * 1.5,
        toolCalls: i % 3,
        webSearches: i % 2,
        images: i % 2,
        metadata: { env: i % 2 ? 'prod' : 'dev' },
        source: { topic: 'usage.raw', partition: i % 4, offset: String(1000 + i) },
      }),
    );
  }
  return out;
}

/** Totals of `events` computed here, independently of any SQL. */
export function expectedTotals(events: readonly PricedEvent[]): { events: string; cost_total: string; total_tokens: string; unpriced_events: string; error_events: string } {
  let cost = 0n;
  let tokens = 0;
  let unpriced = 0;
  let errors = 0;
  for (const p of events) {
    cost += p.pricing.total;
    tokens += p.usage.tokens.total;
    if (!p.pricing.priced) unpriced += 1;
    if (p.event.status === 'error') errors += 1;
  }
  return { events: String(events.length), cost_total: formatUsd(cost), total_tokens: String(tokens), unpriced_events: String(unpriced), error_events: String(errors) };
}

const FLOAT_FIELDS = ['duration_ms_sum', 'ttft_ms_sum'] as const;

/** Totals rows equal: every exact field identical (same JSON text), float sums within rounding. */
export function expectSameTotals(actual: readonly TenantTotalsRow[], expected: readonly TenantTotalsRow[]): void {
  expect(actual.length).toBe(expected.length);
  const strip = (r: TenantTotalsRow): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...r };
    for (const f of FLOAT_FIELDS) delete copy[f];
    return copy;
  };
  expect(actual.map(strip)).toEqual(expected.map(strip));
  actual.forEach((row, i) => {
    for (const f of FLOAT_FIELDS) expect(row[f]).toBeCloseTo((expected[i] as TenantTotalsRow)[f], 6);
  });
}
