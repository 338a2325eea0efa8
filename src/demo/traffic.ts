/**
 * Demo traffic for `tally start --demo` and the benchmarks: realistic usage
 * events from several tenants, teams, users, agents and providers, in each
 * provider's own usage shape — cached and reasoning tokens, cache writes,
 * Gemini thoughts, a few unknown models (stored unpriced) and, on request, a
 * few invalid events (rejected with reasons). Deterministic for a seed.
 *
 * What the dashboard should have to show (issue 17): each model answers with
 * its own latency (a log-normal spread around the model's median — small
 * models fast, big and reasoning models slow); failed calls carry their error
 * type (rate limits, provider 5xx, timeouts, context too long) and a few calls
 * are cancelled; calls come in sessions of 3–12 by one user and agent,
 * interleaved with other sessions. Batch reports (`feature: batch-report`,
 * on big priced models) run only in the history, not in live traffic
 * (`live: true`), so the demo budget on them stays where the history put it.
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
/** The feature of back-office batch jobs: in the history only, never in live traffic. */
export const BATCH_FEATURE = 'batch-report';
const FEATURES = ['chat', 'autocomplete', BATCH_FEATURE, 'triage'] as const;
const LIVE_FEATURES = FEATURES.filter((f) => f !== BATCH_FEATURE);

/** How a model answers: the median call latency and the spread (σ of the log-normal). */
export interface LatencyPlan {
  readonly medianMs: number;
  readonly sigma: number;
}

interface ModelPlan {
  readonly provider: string;
  readonly model: string;
  readonly weight: number;
  readonly latency: LatencyPlan;
  usage(r: Random): Record<string, unknown>;
}

const MODELS: readonly ModelPlan[] = [
  {
    provider: 'openai', model: 'gpt-4o-2024-08-06', weight: 20, latency: { medianMs: 2_400, sigma: 0.45 },
    usage: (r) => {
      const prompt = int(r, 300, 6000);
      const cached = prompt >= 1024 && r() < 0.5 ? Math.floor((prompt * int(r, 20, 90)) / 100 / 128) * 128 : 0;
      const completion = int(r, 50, 1200);
      return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } };
    },
  },
  {
    provider: 'openai', model: 'gpt-4o-mini', weight: 30, latency: { medianMs: 750, sigma: 0.4 },
    usage: (r) => {
      const prompt = int(r, 100, 3000);
      const completion = int(r, 20, 800);
      // OpenAI caches only prompts of 1,024+ tokens, in steps of 128.
      const cached = prompt >= 1024 && r() < 0.3 ? Math.floor(prompt / 2 / 128) * 128 : 0;
      return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } };
    },
  },
  {
    provider: 'openai', model: 'o3-mini', weight: 8, latency: { medianMs: 9_000, sigma: 0.5 },
    usage: (r) => {
      const input = int(r, 200, 4000);
      const reasoning = int(r, 200, 6000);
      const visible = int(r, 50, 900);
      return { input_tokens: input, input_tokens_details: { cached_tokens: r() < 0.4 ? Math.min(input, 1024) : 0 }, output_tokens: reasoning + visible, output_tokens_details: { reasoning_tokens: reasoning }, total_tokens: input + reasoning + visible };
    },
  },
  {
    provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', weight: 18, latency: { medianMs: 3_600, sigma: 0.45 },
    usage: (r) => {
      const write = r() < 0.2 ? int(r, 1000, 8000) : 0;
      const read = write === 0 && r() < 0.6 ? int(r, 1000, 20000) : 0;
      return { input_tokens: int(r, 20, 2000), cache_creation_input_tokens: write, cache_read_input_tokens: read, output_tokens: int(r, 50, 1500) };
    },
  },
  {
    provider: 'anthropic', model: 'claude-3-haiku-20240307', weight: 10, latency: { medianMs: 620, sigma: 0.35 },
    usage: (r) => ({ input_tokens: int(r, 50, 3000), output_tokens: int(r, 10, 500), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }),
  },
  {
    provider: 'gemini', model: 'gemini-2.5-flash', weight: 10, latency: { medianMs: 1_300, sigma: 0.5 },
    usage: (r) => {
      const prompt = int(r, 200, 9000);
      const cached = r() < 0.3 ? Math.floor(prompt / 2) : 0;
      const candidates = int(r, 30, 900);
      const thoughts = r() < 0.6 ? int(r, 100, 3000) : 0;
      return { usageMetadata: { promptTokenCount: prompt, cachedContentTokenCount: cached, candidatesTokenCount: candidates, thoughtsTokenCount: thoughts, totalTokenCount: prompt + candidates + thoughts } };
    },
  },
  {
    provider: 'bedrock', model: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0', weight: 4, latency: { medianMs: 4_200, sigma: 0.5 },
    usage: (r) => {
      const input = int(r, 100, 3000);
      const output = int(r, 50, 900);
      return { inputTokens: input, outputTokens: output, totalTokens: input + output };
    },
  },
  {
    provider: 'acme-internal', model: 'acme-llm-7b', weight: 2, latency: { medianMs: 380, sigma: 0.3 },
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

/** Batch jobs (long documents to summarize) run on the big models, all priced. */
const BATCH_MODELS = MODELS.filter((m) => m.model === 'gpt-4o-2024-08-06' || m.model === 'claude-3-5-sonnet-20241022');

/** Each model's latency plan, by provider and model as sent (for tests and docs). */
export const MODEL_LATENCY: readonly { readonly provider: string; readonly model: string; readonly latency: LatencyPlan }[] = MODELS.map(({ provider, model, latency }) => ({ provider, model, latency }));

/**
 * Why calls fail, with their weights: rate limits (HTTP 429) most, then the
 * provider's 5xx, timeouts and prompts over the context window. A failed call
 * used no tokens; a timeout took the client's whole timeout.
 */
export const ERROR_TYPES = [
  { type: 'rate_limit', weight: 50 },
  { type: 'server_error', weight: 25 },
  { type: 'timeout', weight: 15 },
  { type: 'context_length_exceeded', weight: 10 },
] as const;
export type DemoErrorType = (typeof ERROR_TYPES)[number]['type'];
/** Share of calls that fail, and of calls the user cancels (partial usage, cut short). */
const ERROR_RATE = 0.05;
const CANCEL_RATE = 0.015;
const TIMEOUT_MS = [30_000, 60_000] as const;

function pickError(r: Random): DemoErrorType {
  let x = r() * 100;
  for (const e of ERROR_TYPES) {
    x -= e.weight;
    if (x < 0) return e.type;
  }
  return 'rate_limit';
}

/** A standard normal deviate (Box–Muller). */
function normal(r: Random): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** A call's latency: log-normal around the model's median, whole ms, at least 50. */
function latencyOf(r: Random, plan: LatencyPlan): number {
  return Math.max(50, Math.round(plan.medianMs * Math.exp(plan.sigma * normal(r))));
}

/** The same usage object with every number zero (what a call that failed used). */
function zeroed(value: unknown): unknown {
  if (typeof value === 'number') return 0;
  if (Array.isArray(value)) return value.map(zeroed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, zeroed(v)]));
  return value;
}

/** Sessions: 3–12 calls each by one user and agent; several open at once, interleaved. */
export const SESSION_CALLS = { min: 3, max: 12 } as const;
const OPEN_SESSIONS = 6;

interface OpenSession {
  readonly id: string;
  readonly tenant: (typeof TENANTS)[number];
  readonly user: string;
  readonly group: string;
  readonly agent: string;
  readonly feature: string;
  readonly plan: ModelPlan;
  left: number;
}

export interface TrafficOptions {
  readonly seed?: number;
  /** Share of invalid events (0..1). Default 0. */
  readonly invalidRate?: number;
  /** Timestamp of generated events; default now. */
  readonly now?: () => Date;
  /** Live traffic: interactive calls only, no batch reports (those are in the history). Default false. */
  readonly live?: boolean;
}

/** An endless stream of demo events (or invalid inputs, as plain objects). */
export function* demoEvents(options: TrafficOptions = {}): Generator<UsageEventInput | Record<string, unknown>> {
  const seed = options.seed ?? 42;
  const r = rng(seed);
  const now = options.now ?? (() => new Date());
  const features = options.live ? LIVE_FEATURES : FEATURES;
  // Session ids differ between streams of different seeds (the history and the live traffic).
  const tag = (seed >>> 0).toString(36);
  const open: OpenSession[] = [];
  let sessions = 0;
  const openSession = (): OpenSession => {
    const tenant = pick(r, TENANTS);
    const feature = pick(r, features);
    return {
      id: `${tenant.tenant}-${tag}-s${++sessions}`,
      tenant,
      user: `user-${int(r, 1, tenant.users)}`,
      group: pick(r, tenant.groups),
      agent: pick(r, AGENTS),
      feature,
      plan: feature === BATCH_FEATURE ? pick(r, BATCH_MODELS) : pickModel(r),
      left: int(r, SESSION_CALLS.min, SESSION_CALLS.max),
    };
  };
  for (;;) {
    if (options.invalidRate && r() < options.invalidRate) {
      yield pick(r, INVALID)(r, now());
      continue;
    }
    while (open.length < OPEN_SESSIONS) open.push(openSession());
    const at = int(r, 0, open.length - 1);
    const s = open[at] as OpenSession;
    if (--s.left === 0) open.splice(at, 1);
    // An agent sticks to its model, now and then escalating to another (batch jobs never do).
    const plan = s.feature === BATCH_FEATURE || r() < 0.8 ? s.plan : pickModel(r);
    const outcome = r();
    const error = outcome < ERROR_RATE ? pickError(r) : null;
    const cancelled = error === null && outcome < ERROR_RATE + CANCEL_RATE;
    const usage = plan.usage(r);
    let duration = latencyOf(r, plan.latency);
    if (error === 'timeout') duration = pick(r, TIMEOUT_MS) + int(r, 0, 250);
    else if (error !== null) duration = Math.max(50, Math.round(duration * 0.05));
    else if (cancelled) duration = Math.max(50, Math.round(duration * (0.2 + r() * 0.5)));
    yield {
      tenant: s.tenant.tenant,
      user_id: s.user,
      group: s.group,
      session_id: s.id,
      agent: s.agent,
      feature: s.feature,
      provider: plan.provider,
      model: plan.model,
      occurred_at: now().toISOString(),
      usage: error === null ? usage : zeroed(usage),
      status: error !== null ? 'error' : cancelled ? 'cancelled' : 'ok',
      ...(error === null ? {} : { error_type: error }),
      duration_ms: duration,
      ...(error === null ? { ttft_ms: Math.round(duration * (0.1 + r() * 0.3)) } : {}),
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
