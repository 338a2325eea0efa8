/**
 * PricedEvent fixtures for the analytics-store tests: built directly (no
 * normalizer or pricer involved), with exact Money and deterministic ids.
 */
import type { PricedEvent, SourcePosition } from '../../src/pipeline/types.js';
import { withTotal, type TokenCounts } from '../../src/normalize/types.js';
import { type CostBreakdown } from '../../src/pricing/types.js';
import { formatUsd, parseUsd, type Money } from '../../src/core/money.js';
import { TOKEN_CLASSES, type TokenClass, UNIT_CLASSES, type CostClass } from '../../src/core/classes.js';

export interface FixtureInput {
  readonly tenant?: string;
  readonly eventId: string;
  readonly occurredAt?: string;
  readonly receivedAt?: string;
  readonly userId?: string;
  readonly group?: string;
  readonly sessionId?: string;
  readonly agent?: string;
  readonly feature?: string;
  readonly apiKeyId?: string;
  readonly provider?: string;
  readonly model?: string;
  readonly modelKey?: string | null;
  readonly tokens?: Partial<Record<TokenClass, number>>;
  readonly costs?: Partial<Record<CostClass, Money>>;
  readonly cacheSavings?: Money;
  readonly priced?: boolean;
  readonly status?: 'ok' | 'error' | 'cancelled';
  readonly durationMs?: number;
  readonly ttftMs?: number;
  readonly audioSeconds?: number;
  readonly toolCalls?: number;
  readonly webSearches?: number;
  readonly images?: number;
  readonly requests?: number;
  readonly metadata?: Record<string, string>;
  readonly source?: SourcePosition | null;
}

function tokens(partial: Partial<Record<TokenClass, number>> = {}): TokenCounts {
  const t = {} as Record<TokenClass, number>;
  for (const c of TOKEN_CLASSES) t[c] = partial[c] ?? 0;
  return withTotal(t);
}

function breakdown(partial: Partial<Record<CostClass, Money>> = {}): CostBreakdown {
  const b = {} as Record<CostClass, Money>;
  for (const c of [...TOKEN_CLASSES, ...UNIT_CLASSES]) b[c] = partial[c] ?? 0n;
  return b;
}

/**
 * `YYYY-MM-DDThh:mm:ss.sssZ` for `days` days before today (UTC) at `hour`:`minute`.
 * Tests use recent times: usage_events drops rows past its retention (13 months).
 */
export function daysAgo(days: number, hour = 12, minute = 0): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days, hour, minute)).toISOString();
}

export function pricedEvent(input: FixtureInput): PricedEvent {
  const priced = input.priced ?? true;
  const cost = breakdown(priced ? input.costs : {});
  let total = 0n;
  for (const v of Object.values(cost)) total += v;
  const occurred = input.occurredAt ?? daysAgo(1);
  const modelKey = input.modelKey === undefined ? 'openai/gpt-4o' : input.modelKey;
  return {
    event: {
      event_id: input.eventId,
      occurred_at: occurred,
      received_at: input.receivedAt ?? occurred,
      tenant: input.tenant ?? 'acme',
      ...(input.userId === undefined ? {} : { user_id: input.userId }),
      ...(input.group === undefined ? {} : { group: input.group }),
      ...(input.sessionId === undefined ? {} : { session_id: input.sessionId }),
      ...(input.agent === undefined ? {} : { agent: input.agent }),
      ...(input.feature === undefined ? {} : { feature: input.feature }),
      ...(input.apiKeyId === undefined ? {} : { api_key_id: input.apiKeyId }),
      provider: input.provider ?? 'openai',
      model: input.model ?? 'gpt-4o-2024-08-06',
      usage: { prompt_tokens: input.tokens?.input ?? 0, completion_tokens: input.tokens?.output ?? 0 },
      status: input.status ?? 'ok',
      ...(input.durationMs === undefined ? {} : { duration_ms: input.durationMs }),
      ...(input.ttftMs === undefined ? {} : { ttft_ms: input.ttftMs }),
      ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
    },
    usage: {
      shape: 'openai_chat',
      tokens: tokens(input.tokens),
      requests: input.requests ?? 1,
      tool_calls: input.toolCalls ?? 0,
      web_search_requests: input.webSearches ?? 0,
      images: input.images ?? 0,
      audio_seconds: input.audioSeconds ?? 0,
      prompt_tokens: (input.tokens?.input ?? 0) + (input.tokens?.cached_input ?? 0),
      reported_cost: null,
      unknown_fields: [],
    },
    pricing: {
      priced,
      pricing_error: priced ? null : { code: 'UNKNOWN_MODEL', message: `no price for ${input.model ?? 'gpt-4o-2024-08-06'}` },
      model_key: priced ? modelKey : null,
      price_version: priced ? `${modelKey ?? 'x'}@2024-08-06` : null,
      cost,
      total,
      cache_savings: priced ? (input.cacheSavings ?? 0n) : 0n,
      cost_source: priced ? 'catalog' : 'none',
      tier: null,
    },
    source: input.source === undefined ? { topic: 'usage.raw', partition: 0, offset: '0' } : input.source,
  };
}

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
