/**
 * Demo traffic for `tally start --demo` and the benchmarks: realistic usage
 * events from several tenants, teams, users, agents and providers, in each
 * provider's own usage shape — cached and reasoning tokens, cache writes,
 * Gemini thoughts, a few unknown models (stored unpriced) and, on request, a
 * few invalid events (rejected with reasons). Deterministic for a seed.
 */
import type { UsageEventInput } from '../events/schema.js';

/** A small, fast, seedable PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const int = (r: Random, min: number, max: number): number => min + Math.floor(r() * (max - min + 1));

const TENANTS = [
  { tenant: 'acme', groups: ['search', 'support', 'research'], users: 40 },
  { tenant: 'globex', groups: ['sales', 'platform'], users: 25 },
  { tenant: 'initech', groups: ['finance'], users: 10 },
] as const;

const AGENTS = ['support-bot', 'code-review', 'summarizer', 'sql-copilot', 'researcher'] as const;
const FEATURES = ['chat', 'autocomplete', 'batch-report', 'triage'] as const;

interface ModelPlan {
  readonly provider: string;
  readonly model: string;
  readonly weight: number;
  usage(r: Random): Record<string, unknown>;
}

const MODELS: readonly ModelPlan[] = [
  {
    provider: 'openai', model: 'gpt-4o-2024-08-06', weight: 20,
    usage: (r) => {
      const prompt = int(r, 300, 6000);
      const cached = prompt >= 1024 && r() < 0.5 ? Math.floor((prompt * int(r, 20, 90)) / 100 / 128) * 128 : 0;
      const completion = int(r, 50, 1200);
      return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } };
    },
  },
  {
    provider: 'openai', model: 'gpt-4o-mini', weight: 30,
    usage: (r) => {
      const prompt = int(r, 100, 3000);
      const completion = int(r, 20, 800);
      // OpenAI caches only prompts of 1,024+ tokens, in steps of 128.
      const cached = prompt >= 1024 && r() < 0.3 ? Math.floor(prompt / 2 / 128) * 128 : 0;
      return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
    },
  },
  {
    provider: 'openai', model: 'o3-mini', weight: 8,
    usage: (r) => {
      const input = int(r, 200, 4000);
      const reasoning = int(r, 200, 6000);
      const visible = int(r, 50, 900);
      return { input_tokens: input, input_tokens_details: { cached_tokens: r() < 0.4 ? Math.min(input, 1024) : 0 }, output_tokens: reasoning + visible, output_tokens_details: { reasoning_tokens: reasoning }, total_tokens: input + reasoning + visible };
    },
  },
  {
    provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', weight: 18,
    usage: (r) => {
      const write = r() < 0.2 ? int(r, 1000, 8000) : 0;
      const read = write === 0 && r() < 0.6 ? int(r, 1000, 20000) : 0;
      return { input_tokens: int(r, 20, 2000), cache_creation_input_tokens: write, cache_read_input_tokens: read, output_tokens: int(r, 50, 1500) };
    },
  },
  {
    provider: 'anthropic', model: 'claude-3-haiku-20240307', weight: 10,
    usage: (r) => ({ input_tokens: int(r, 50, 3000), output_tokens: int(r, 10, 500), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }),
  },
  {
    provider: 'gemini', model: 'gemini-2.5-flash', weight: 10,
    usage: (r) => {
      const prompt = int(r, 200, 9000);
      const cached = r() < 0.3 ? Math.floor(prompt / 2) : 0;
      const candidates = int(r, 30, 900);
      const thoughts = r() < 0.6 ? int(r, 100, 3000) : 0;
      return { usageMetadata: { promptTokenCount: prompt, cachedContentTokenCount: cached, candidatesTokenCount: candidates, thoughtsTokenCount: thoughts, totalTokenCount: prompt + candidates + thoughts } };
    },
  },
  {
    provider: 'bedrock', model: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0', weight: 4,
    usage: (r) => {
      const input = int(r, 100, 3000);
      const output = int(r, 50, 900);
      return { inputTokens: input, outputTokens: output, totalTokens: input + output };
    },
  },
  {
    provider: 'acme-internal', model: 'acme-llm-7b', weight: 2,
    usage: (r) => ({ prompt_tokens: int(r, 100, 1000), completion_tokens: int(r, 10, 300) }),
  },
];

const TOTAL_WEIGHT = MODELS.reduce((s, m) => s + m.weight, 0);

function pickModel(r: Random): ModelPlan {
  let x = r() * TOTAL_WEIGHT;
  for (const m of MODELS) {
    x -= m.weight;
    if (x < 0) return m;
  }
  return MODELS[0] as ModelPlan;
}

export interface TrafficOptions {
  readonly seed?: number;
  /** Share of invalid events (0..1). Default 0. */
  readonly invalidRate?: number;
  /** Timestamp of generated events; default now. */
  readonly now?: () => Date;
}

/** An endless stream of demo events (or invalid inputs, as plain objects). */
export function* demoEvents(options: TrafficOptions = {}): Generator<UsageEventInput | Record<string, unknown>> {
  const r = rng(options.seed ?? 42);
  const now = options.now ?? (() => new Date());
  let n = 0;
  for (;;) {
    n++;
    if (options.invalidRate && r() < options.invalidRate) {
      yield pick(r, INVALID)(r, now());
      continue;
    }
    const t = pick(r, TENANTS);
    const plan = pickModel(r);
    const ok = r() > 0.03;
    const duration = int(r, 300, 12000);
    yield {
      tenant: t.tenant,
      user_id: `user-${int(r, 1, t.users)}`,
      group: pick(r, t.groups),
      session_id: `${t.tenant}-s${Math.floor(n / 7)}`,
      agent: pick(r, AGENTS),
      feature: pick(r, FEATURES),
      provider: plan.provider,
      model: plan.model,
      occurred_at: now().toISOString(),
      usage: plan.usage(r),
      status: ok ? 'ok' : 'error',
      ...(ok ? {} : { error_type: 'rate_limit' }),
      duration_ms: duration,
      ttft_ms: Math.round(duration * (0.1 + r() * 0.3)),
      tool_calls: r() < 0.2 ? int(r, 1, 4) : 0,
      metadata: { env: r() < 0.8 ? 'prod' : 'staging', region: pick(r, ['us-east-1', 'eu-west-1']) },
    };
  }
}

/** Inputs a careless producer sends: each is rejected with a field path and a reason. */
const INVALID: readonly ((r: Random, at: Date) => Record<string, unknown>)[] = [
  (_r, at) => ({ tenant: 'acme', provider: 'openai', occurred_at: at.toISOString(), usage: { prompt_tokens: 10 } }),
  (_r, at) => ({ tenant: 'acme', provider: 'openai', model: 'gpt-4o', occurred_at: at.toISOString(), usage: { prompt_tokens: -5, completion_tokens: 3 } }),
  (_r) => ({ tenant: 'globex', provider: 'anthropic', model: 'claude-3-haiku-20240307', occurred_at: 'yesterday', usage: { input_tokens: 3, output_tokens: 4 } }),
  (_r, at) => ({ tenant: 'initech', provider: 'gemini', model: 'gemini-2.5-flash', occurred_at: at.toISOString(), usage: { usageMetadata: { promptTokenCount: 1.5 } } }),
];
