/**
 * PricedEvent fixtures for the analytics-store tests: built directly (no
 * normalizer or pricer involved), with exact Money and deterministic ids.
 */
import type { PricedEvent, SourcePosition } from '../../src/pipeline/types.js';
import { TOKEN_CLASSES, withTotal, type TokenClass, type TokenCounts } from '../../src/normalize/types.js';
import { UNIT_CLASSES, type CostBreakdown, type CostClass } from '../../src/pricing/types.js';
import type { Money } from '../../src/money.js';

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
