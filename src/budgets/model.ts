/**
 * The budget model: what a budget is, validated by zod plus the rules zod
 * cannot say, with every mistake reported as a field error
 * (`BUDGET_INVALID`, `details.errors = [{path, reason}]`).
 *
 * A `Budget` is the normalised, JSON-safe form: it is what the API returns,
 * what the repository stores and what `parseBudget(budget)` accepts again
 * unchanged (parsing is idempotent).
 */
import { z } from 'zod';
import { TallyError, type FieldError } from '../core/errors.js';
import { uuidv7 } from '../events/ids.js';
import { formatScaled, parseUsd, formatUsd } from '../core/money.js';
import { MAX_COUNTER_COST } from '../counters/fields.js';
import { PERIOD_KINDS, formatWindow, parseWindow, granularityOf, type PeriodKind } from './periods.js';
import { canonicalTimeZone } from '../core/zones.js';
import { TOKEN_CLASSES, type TokenClass } from '../core/classes.js';
import { SCOPE_DIMENSIONS, type ScopeDimension } from '../core/dimensions.js';
import { LEGACY_DIMENSIONS, LEGACY_NAMES_REMOVED_IN, renameLegacy, type DeprecationSink, type LegacyName } from './legacy.js';

/** `price`: the billed price under the customer's price book (issue 16); a customer's wallet is a hard `price` budget. */
export const METRICS = ['cost', 'tokens', 'requests', 'price'] as const;
export type Metric = (typeof METRICS)[number];

export const ENFORCEMENTS = ['hard', 'soft'] as const;
export type Enforcement = (typeof ENFORCEMENTS)[number];

/**
 * What a cost budget does about events tally cannot price (issue #11):
 * `provisional` (default) — they count at their provisional price (the
 * dearest the catalog lists for their provider) until repriced;
 * `block` — the same, and a hard budget also refuses a request whose model
 * tally cannot price.
 */
export const UNPRICED_POLICIES = ['provisional', 'block'] as const;
export type UnpricedPolicy = (typeof UNPRICED_POLICIES)[number];

/**
 * What quota checks and reservations of a subject this budget applies to
 * answer while the counter store cannot answer them (issue #14, item 4;
 * outage.ts): `fail_open` — allowed, nothing held; `fail_closed` — 503
 * COUNTERS_UNAVAILABLE with Retry-After; `leases` — answered from this
 * process's live budget leases until they expire, then as `fail_closed`.
 * Absent: the global `budgets.outagePolicy`. Several budgets: the strictest.
 */
export const BUDGET_OUTAGE_POLICIES = ['fail_open', 'fail_closed', 'leases'] as const;
export type BudgetOutagePolicy = (typeof BUDGET_OUTAGE_POLICIES)[number];

/**
 * A scope: per dimension (`SCOPE_DIMENSIONS`, the event's names) a literal
 * value, `*` ("each": one counter per value, e.g. a per-user budget), or
 * absent ("any"). `model` also takes a glob pattern (`openai/gpt-4o*`). An
 * empty scope is global.
 */
export type Scope = Readonly<Partial<Record<ScopeDimension, string>>>;

export const DEFAULT_THRESHOLDS: readonly number[] = [50, 80, 100];
export const DEFAULT_APPROACHING = 80;
export const MAX_COUNT_LIMIT = 2 ** 53 - 1;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const scopeValue = z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters');

/** What a caller may write: every dimension, and the legacy names (`user`, `api_key`), read as their dimension. */
export const scopeSchema = z
  .object({
    ...(Object.fromEntries(SCOPE_DIMENSIONS.map((d) => [d, scopeValue.optional()])) as Record<ScopeDimension, z.ZodOptional<typeof scopeValue>>),
    ...(Object.fromEntries(
      Object.entries(LEGACY_DIMENSIONS).map(([legacy, d]) => [legacy, scopeValue.optional().meta({ deprecated: true, description: `Deprecated name of ${d}, read until tally ${LEGACY_NAMES_REMOVED_IN}.` })]),
    ) as Record<LegacyName, z.ZodOptional<typeof scopeValue>>),
  })
  .strict();

/** What a caller writes (POST /v1/budgets, config defaults, `tally budgets add`). */
export const budgetInputSchema = z
  .object({
    id: z.string().regex(ID_RE, 'must be 1–128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit').optional(),
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    metric: z.enum(METRICS),
    /** Only for metric `tokens`: count one token class instead of the total. */
    token_class: z.enum(TOKEN_CLASSES).nullable().optional(),
    /** cost: USD as decimal text (`"25.00"`); tokens and requests: a whole number. */
    limit: z.union([z.string(), z.number()]),
    period: z.enum(PERIOD_KINDS),
    /** Calendar periods: IANA time zone. Default UTC. */
    timezone: z.string().min(1).optional(),
    /** Rolling periods: `30m`, `24h`, `7d`, or minutes as a number. */
    window: z.union([z.string(), z.number()]).nullable().optional(),
    scope: scopeSchema.optional(),
    enforcement: z.enum(ENFORCEMENTS).optional(),
    /** Cost budgets: what unpriced events do. Default `provisional`. */
    unpriced: z.enum(UNPRICED_POLICIES).optional(),
    /** What checks answer while the counter store cannot (outage.ts). Default: the global `budgets.outagePolicy`. */
    outage_policy: z.enum(BUDGET_OUTAGE_POLICIES).optional(),
    /** Alert thresholds in percent of the limit. Default [50, 80, 100]. */
    thresholds: z.array(z.number().positive('must be above 0').max(1000, 'must be at most 1000')).max(10, 'at most 10 thresholds').optional(),
    /**
     * Cost and price budgets: alert when what is left of the limit (limit − used) falls to or below
     * one of these USD amounts — a wallet's low-balance alerts. Once per amount, bucket, subject and limit.
     */
    alert_below: z.array(z.union([z.string(), z.number()])).max(10, 'at most 10 amounts').optional(),
    /** `approaching` turns true at this percentage. Default 80. */
    approaching: z.number().min(0).max(100).optional(),
    metadata: z.record(z.string().min(1).max(128), z.string().max(1024)).optional(),
    /** Set on budgets generated from a tier; not for callers. */
    tier: z.string().nullable().optional(),
  })
  .strict();

export type BudgetInput = z.input<typeof budgetInputSchema>;

/** A validated budget. */
export interface Budget {
  readonly id: string;
  readonly name: string;
  readonly metric: Metric;
  /** The token class counted, or null for the total (always null unless metric is tokens). */
  readonly token_class: TokenClass | null;
  /** Canonical decimal text: USD for cost (`"25"`, `"0.5"`), a whole number otherwise. */
  readonly limit: string;
  readonly period: PeriodKind;
  /** Canonical IANA zone; `UTC` for rolling windows (they are UTC-aligned) and lifetime periods. */
  readonly timezone: string;
  /** `24h`-style text for rolling windows, else null. */
  readonly window: string | null;
  readonly scope: Scope;
  readonly enforcement: Enforcement;
  /** Cost budgets: what unpriced events do; absent means `provisional` (kept out of budgets that say nothing). */
  readonly unpriced?: UnpricedPolicy;
  /** What checks answer while the counter store cannot; absent means the global `budgets.outagePolicy` (kept out of budgets that say nothing). */
  readonly outage_policy?: BudgetOutagePolicy;
  /** Ascending, unique. */
  readonly thresholds: readonly number[];
  /** Cost and price budgets: USD amounts of what is left (limit − used) that alert when reached, canonical text, descending by amount; absent when none. */
  readonly alert_below?: readonly string[];
  readonly approaching: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** The tier this budget was generated from, or null. */
  readonly tier: string | null;
}

export interface ParseBudgetOptions {
  /** Default `approaching` percentage. Default 80. */
  readonly approaching?: number;
  /** Path prefix of every field error, e.g. `budgets[2]`. */
  readonly path?: string;
  /** Told of every legacy scope name read (`user`, `api_key`); without it they are read silently. */
  readonly onDeprecated?: DeprecationSink;
}

function joinPath(prefix: string | undefined, path: readonly PropertyKey[]): string {
  const tail = path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
  if (!prefix) return tail;
  return tail === '' ? prefix : tail.startsWith('[') ? `${prefix}${tail}` : `${prefix}.${tail}`;
}

/** Turns zod issues into field errors. */
export function zodFieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues.map((i) => {
    const path = joinPath(prefix, i.path);
    if (i.code === 'unrecognized_keys') return { path, reason: `unknown field(s): ${i.keys.join(', ')}` };
    return { path, reason: i.message };
  });
}

export function budgetInvalid(errors: readonly FieldError[], what = 'budget'): TallyError {
  const first = errors[0];
  const text = first ? `${what} is invalid: ${first.path || '(root)'}: ${first.reason}` : `${what} is invalid`;
  return new TallyError('BUDGET_INVALID', text, { details: { errors } });
}

/** Parses a limit for a metric; pushes a field error and returns null when it is not valid. */
function parseLimit(metric: Metric, raw: string | number, path: string, errors: FieldError[]): string | null {
  if (metric === 'cost' || metric === 'price') {
    try {
      const amount = parseUsd(typeof raw === 'number' ? String(raw) : raw, path);
      // A price budget may be 0: a customer's empty wallet refuses every billed call.
      if (amount < 0n || (amount === 0n && metric === 'cost')) errors.push({ path, reason: metric === 'cost' ? 'must be above 0' : 'must not be negative' });
      else if (amount > MAX_COUNTER_COST) errors.push({ path, reason: 'must be at most 9,007,199,254 USD' });
      else return formatUsd(amount);
    } catch {
      errors.push({ path, reason: 'must be a USD amount as decimal text, e.g. "25.00", with at most 15 decimals' });
    }
    return null;
  }
  const text = typeof raw === 'number' ? (Number.isInteger(raw) ? String(raw) : 'x') : raw.trim();
  if (!/^\d+$/.test(text) || BigInt(text) < 1n) {
    errors.push({ path, reason: `must be a whole number of ${metric} above 0` });
    return null;
  }
  if (BigInt(text) > BigInt(MAX_COUNT_LIMIT)) {
    errors.push({ path, reason: `must be at most ${MAX_COUNT_LIMIT}` });
    return null;
  }
  return formatScaled(BigInt(text), 0);
}

/** `alert_below` as canonical USD text, largest first, distinct; field errors pushed. */
function parseBelow(metric: Metric, raw: readonly (string | number)[] | undefined, path: string, errors: FieldError[]): string[] {
  if (raw === undefined || raw.length === 0) return [];
  if (metric !== 'cost' && metric !== 'price') {
    errors.push({ path, reason: 'only cost and price budgets alert on an amount left' });
    return [];
  }
  const amounts = new Set<bigint>();
  raw.forEach((v, i) => {
    try {
      const a = parseUsd(typeof v === 'number' ? String(v) : v, `${path}[${i}]`);
      if (a < 0n) errors.push({ path: `${path}[${i}]`, reason: 'must not be negative' });
      else amounts.add(a);
    } catch {
      errors.push({ path: `${path}[${i}]`, reason: 'must be a USD amount as decimal text, e.g. "10.00"' });
    }
  });
  return [...amounts].sort((x, y) => (x > y ? -1 : x < y ? 1 : 0)).map(formatUsd);
}

/** A scope in the dimension names and canonical order; legacy names are renamed (with a notice) and pushed as errors when doubled. */
function readScope(input: Readonly<Record<string, string | undefined>>, path: string, errors: FieldError[], onDeprecated?: DeprecationSink): Scope {
  const given = Object.fromEntries(Object.entries(input).filter((e): e is [string, string] => e[1] !== undefined));
  const renamed = renameLegacy(given, path);
  errors.push(...renamed.errors);
  for (const n of renamed.notices) onDeprecated?.(n);
  const scope: Partial<Record<ScopeDimension, string>> = {};
  for (const d of SCOPE_DIMENSIONS) {
    const v = renamed.record[d];
    if (v === undefined) continue;
    scope[d] = v;
    if (v !== '*' && d !== 'model' && v.includes('*')) {
      errors.push({ path: `${path}.${renamed.written[d] ?? d}`, reason: 'only model accepts patterns; use "*" alone for one counter per value' });
    }
  }
  return scope;
}

/** Validates a budget; throws BUDGET_INVALID listing every field error. */
export function parseBudget(input: unknown, options: ParseBudgetOptions = {}): Budget {
  const parsed = budgetInputSchema.safeParse(input);
  if (!parsed.success) throw budgetInvalid(zodFieldErrors(parsed.error, options.path));
  const b = parsed.data;
  const p = (field: string): string => joinPath(options.path, [field]);
  const errors: FieldError[] = [];

  if (b.unpriced !== undefined && b.metric !== 'cost') {
    errors.push({ path: p('unpriced'), reason: 'only cost budgets have an unpriced policy' });
  }
  if (b.token_class !== undefined && b.token_class !== null && b.metric !== 'tokens') {
    errors.push({ path: p('token_class'), reason: 'only budgets with metric "tokens" count a token class' });
  }
  const limit = parseLimit(b.metric, b.limit, p('limit'), errors);
  const below = parseBelow(b.metric, b.alert_below, p('alert_below'), errors);

  let timezone = 'UTC';
  let window: string | null = null;
  if (b.period === 'lifetime') {
    if (b.timezone !== undefined && b.timezone !== 'UTC') errors.push({ path: p('timezone'), reason: 'a lifetime period never resets, so it has no time zone; leave it out' });
    if (b.window !== undefined && b.window !== null) errors.push({ path: p('window'), reason: 'only rolling periods have a window (period is lifetime)' });
  } else if (b.period === 'rolling') {
    if (b.timezone !== undefined && b.timezone !== 'UTC') errors.push({ path: p('timezone'), reason: 'rolling windows are UTC-aligned; leave the time zone out' });
    if (b.window === undefined || b.window === null) errors.push({ path: p('window'), reason: 'a rolling period needs a window, e.g. "24h"' });
    else {
      try {
        const minutes = typeof b.window === 'number' ? b.window : parseWindow(b.window);
        granularityOf(minutes);
        window = formatWindow(minutes);
      } catch (err) {
        errors.push({ path: p('window'), reason: err instanceof TallyError ? (err.details.errors as FieldError[] | undefined)?.[0]?.reason ?? err.message : String(err) });
      }
    }
  } else {
    if (b.window !== undefined && b.window !== null) errors.push({ path: p('window'), reason: `only rolling periods have a window (period is ${b.period})` });
    if (b.timezone !== undefined) {
      try {
        timezone = canonicalTimeZone(b.timezone);
      } catch {
        errors.push({ path: p('timezone'), reason: `unknown IANA time zone "${b.timezone}"` });
      }
    }
  }

  const scope = readScope(b.scope ?? {}, p('scope'), errors, options.onDeprecated);

  if (errors.length > 0) throw budgetInvalid(errors);
  return {
    id: b.id ?? `b_${uuidv7()}`,
    name: b.name,
    metric: b.metric,
    token_class: b.metric === 'tokens' ? (b.token_class ?? null) : null,
    limit: limit ?? '0',
    period: b.period,
    timezone,
    window,
    scope,
    enforcement: b.enforcement ?? 'hard',
    ...(b.unpriced === undefined ? {} : { unpriced: b.unpriced }),
    ...(b.outage_policy === undefined ? {} : { outage_policy: b.outage_policy }),
    thresholds: [...new Set(b.thresholds ?? DEFAULT_THRESHOLDS)].sort((x, y) => x - y),
    ...(below.length === 0 ? {} : { alert_below: below }),
    approaching: b.approaching ?? options.approaching ?? DEFAULT_APPROACHING,
    metadata: Object.fromEntries(Object.entries(b.metadata ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))),
    tier: b.tier ?? null,
  };
}

/** Whether two budgets define the same thing (used by idempotent seeding). */
export function sameBudget(a: Budget, b: Budget): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
