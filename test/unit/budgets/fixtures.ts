/** Builders for budget tests: priced events and budget states. */
import { parseUsd } from '../../../src/core/money.js';
import { emptyTokens, withTotal } from '../../../src/normalize/types.js';
import { type CostBreakdown } from '../../../src/pricing/types.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import type { BudgetState } from '../../../src/budgets/catalog.js';
import { parseBudget, type BudgetInput } from '../../../src/budgets/model.js';
import { parseTier, type TierInput, type TierAssignment } from '../../../src/budgets/tiers.js';
import { TOKEN_CLASSES, type TokenClass, UNIT_CLASSES } from '../../../src/core/classes.js';

export interface EventSpec {
  readonly id: string;
  readonly tenant?: string;
  readonly user?: string;
  readonly group?: string;
  readonly model?: string;
  readonly modelKey?: string | null;
  readonly provider?: string;
  readonly agent?: string;
  readonly feature?: string;
  readonly apiKey?: string;
  /** USD decimal text. Default "0". */
  readonly cost?: string;
  /** The billed price, USD decimal text (a price book priced the event). Default: no book. */
  readonly price?: string;
  readonly tokens?: Partial<Record<TokenClass, number>>;
  readonly requests?: number;
  readonly at: number;
  /** Source offset; null = not from the log. */
  readonly offset?: number | string | null;
  readonly partition?: number;
  readonly topic?: string;
}

function zeroCost(): CostBreakdown {
  const out: Record<string, bigint> = {};
  for (const c of [...TOKEN_CLASSES, ...UNIT_CLASSES]) out[c] = 0n;
  return out as CostBreakdown;
}

export function priced(s: EventSpec): PricedEvent {
  const tokens = withTotal({ ...emptyTokens(), ...(s.tokens ?? {}) });
  const at = new Date(s.at).toISOString();
  const total = parseUsd(s.cost ?? '0');
  return {
    event: {
      event_id: s.id,
      occurred_at: at,
      received_at: at,
      tenant: s.tenant ?? 'acme',
      model: s.model ?? 'gpt-4o',
      usage: {},
      status: 'ok',
      ...(s.user ? { user_id: s.user } : {}),
      ...(s.group ? { group: s.group } : {}),
      ...(s.provider ? { provider: s.provider } : {}),
      ...(s.agent ? { agent: s.agent } : {}),
      ...(s.feature ? { feature: s.feature } : {}),
      ...(s.apiKey ? { api_key_id: s.apiKey } : {}),
    },
    usage: {
      shape: 'canonical', tokens, requests: s.requests ?? 1, tool_calls: 0, web_search_requests: 0, images: 0, audio_seconds: 0,
      prompt_tokens: tokens.input, reported_cost: null, unknown_fields: [],
    },
    pricing: {
      priced: true, pricing_error: null, model_key: s.modelKey === undefined ? `openai/${s.model ?? 'gpt-4o'}` : s.modelKey,
      price_version: 'v', cost: zeroCost(), total, cache_savings: 0n, cost_source: 'catalog', tier: null,
    },
    ...(s.price === undefined ? {} : { price: { price: { ...zeroCost(), input: parseUsd(s.price) }, total: parseUsd(s.price), version: 'book@1', incomplete: false } }),
    source: s.offset === null || s.offset === undefined ? null : { topic: s.topic ?? 'usage.raw', partition: s.partition ?? 0, offset: String(s.offset) },
  };
}

let version = 1_000;

export function state(budgets: readonly BudgetInput[], tiers: readonly TierInput[] = [], assignments: readonly TierAssignment[] = []): BudgetState {
  version += 1;
  return {
    version: String(1_700_000_000_000_000 + version),
    budgets: budgets.map((b) => parseBudget(b)),
    tiers: tiers.map((t) => parseTier(t)),
    assignments,
  };
}
