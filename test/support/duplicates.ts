/** Shared by the duplicate tests (issue #12): events, and the check that one id is counted once in the store and every rollup. */
import { expect } from 'vitest';
import type { Budgets } from '../../src/runtime/budgets.js';
import type { AnalyticsStore } from '../../src/store/types.js';

export function usageEvent(tenant: string, id: string, inputTokens: number): Record<string, unknown> {
  return { event_id: id, tenant, user_id: 'u1', provider: 'anthropic', model: 'claude-3-haiku-20240307', usage: { input_tokens: inputTokens, output_tokens: 1 } };
}

/** `n` distinct events of 100 input tokens. */
export function fillers(tenant: string, prefix: string, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => usageEvent(tenant, `${prefix}-${i}`, 100));
}

/** The full rollup's grains (one table since migration 0023). */
const GRAINS = ['15m', 'hourly', 'daily'] as const;

/**
 * `eventId` has exactly one row in usage_events (raw, not FINAL), the tenant
 * has `events` events, and every rollup holds exactly the tenant's raw events
 * and tokens.
 */
export async function onceEverywhere(store: AnalyticsStore, tenant: string, eventId: string, events: number): Promise<void> {
  const [raw] = await store.sql.query<{ rows: string; events: string; tokens: string }>({
    sql: `SELECT toString((SELECT count() FROM usage_events WHERE tenant = {tenant:String} AND event_id = {id:String})) AS rows,
                 toString(count()) AS events, toString(sum(total_tokens)) AS tokens
          FROM usage_events FINAL WHERE tenant = {tenant:String} AND sign = 1`,
    params: { tenant, id: eventId },
  });
  expect(raw).toEqual({ rows: '1', events: String(events), tokens: expect.any(String) as string });
  for (const grain of GRAINS) {
    const [r] = await store.sql.query<{ events: string; tokens: string }>({
      sql: 'SELECT toString(sum(events)) AS events, toString(sum(total_tokens)) AS tokens FROM usage_rollup_full WHERE tenant = {tenant:String} AND grain = {grain:String}',
      params: { tenant, grain },
    });
    expect(r, grain).toEqual({ events: raw?.events, tokens: raw?.tokens });
  }
}

/** The tenant's used tokens in the `dup-tokens` budget (rolling 24 h, per tenant). */
export async function counterTokens(budgets: Budgets, tenant: string): Promise<string> {
  return (await budgets.engine.status('dup-tokens', { tenant })).used;
}
