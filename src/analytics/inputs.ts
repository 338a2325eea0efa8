/**
 * The parameters every analytics query takes, validated with zod. They arrive
 * as a query string (each value a string, repeated parameters an array) or as
 * typed values from code; both are accepted.
 *
 * - `from` / `to`: RFC 3339 with an offset, or `YYYY-MM-DD` / `YYYY-MM-DDThh:mm`
 *   read in `tz`. Half-open [from, to). Default: the 30 days up to now.
 * - `tz`: IANA zone for dates and buckets. Default UTC.
 * - filters, each repeatable (values OR-ed) and AND-combined across fields:
 *   user_id, group, session_id, agent, feature, provider, model (matches
 *   model_key or the model as reported), api_key_id, status; `priced`
 *   (true/false); `tag` = `key=value` (metadata; repeatable, all must match).
 *
 * The tenant is not a parameter here: the caller's scope (from the API key,
 * `tenantScope`) is passed to the service separately.
 */
import { z } from 'zod';
import { TallyError, validationError, type FieldError } from '../core/errors.js';
import { BUCKETS, OUTPUT_MEASURES, SORTABLE_MEASURES, type Bucket, type Measure, type OutputMeasure } from './model.js';
import { parseInstant, resolveTimeZone } from './time.js';
import { parseWith } from './validate.js';
import { BREAKDOWN_DIMENSIONS, EVENT_STATUSES, type BreakdownDimension } from '../core/dimensions.js';
import { LATENCY_DIMENSIONS, LATENCY_QUANTILES, type LatencyDimension, type LatencyQuantiles, type UsageFilters, type UsageSource } from '../store/usage/index.js';

export const DEFAULT_RANGE_MS = 30 * 86_400_000;
export const MAX_FILTER_VALUES = 100;

/** What every query resolves its common parameters to. */
export interface CommonQuery {
  /** Inclusive start, epoch ms. */
  readonly from: number;
  /** Exclusive end, epoch ms. */
  readonly to: number;
  readonly tz: string;
  readonly filters: UsageFilters;
}

const asArray = (v: unknown): unknown => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
const value = z.string().min(1).max(256);
const many = <T extends z.ZodType>(item: T) => z.preprocess(asArray, z.array(item).max(MAX_FILTER_VALUES).optional());

const TAG_RE = /^([^=]{1,128})=(.{0,1024})$/s;
const tag = z.string().regex(TAG_RE, 'must be key=value (key 1–128 characters, value up to 1024)');

const bool = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean().optional());

/** A whole number given as a number or decimal text. */
export const intParam = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v), z.number().int().min(min).max(max).optional());

/** A list of names given repeated and/or comma-separated (`by=model&by=user_id`, `by=model,user_id`). */
export const nameList = <T extends readonly [string, ...string[]]>(names: T, max: number) =>
  z.preprocess(
    (v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((x) => (typeof x === 'string' ? x.split(',').map((s) => s.trim()).filter(Boolean) : [x]))),
    z.array(z.enum(names)).max(max).optional(),
  );

export const commonShape = {
  from: z.string().min(1).optional(),
  to: z.string().min(1).optional(),
  tz: z.string().min(1).optional(),
  user_id: many(value),
  group: many(value),
  session_id: many(value),
  agent: many(value),
  feature: many(value),
  provider: many(value),
  model: many(value),
  api_key_id: many(value),
  status: many(z.enum(EVENT_STATUSES)),
  priced: bool,
  tag: many(tag),
};

export const dimensionEnum = z.enum(BREAKDOWN_DIMENSIONS);
export const bucketEnum = z.enum(BUCKETS);
export const measureEnum = z.enum(SORTABLE_MEASURES);

type CommonRaw = z.output<z.ZodObject<typeof commonShape>>;

interface ResolvedParts {
  readonly from: number | null;
  readonly to: number | null;
  readonly tz: string;
  readonly filters: UsageFilters;
}

interface ResolvedTimes {
  readonly errors: FieldError[];
  readonly tz: string;
  readonly from: number | null;
  readonly to: number | null;
}

/** The zone and the range as given (null when absent), with a field error for each bad one. */
function resolveTimes(tzText: unknown, fromText: unknown, toText: unknown): ResolvedTimes {
  const errors: FieldError[] = [];
  const tz = typeof tzText === 'string' ? resolveTimeZone(tzText) : 'UTC';
  if (tz === null) errors.push({ path: 'tz', reason: `is not an IANA time zone (got ${JSON.stringify(tzText)}); e.g. UTC, Europe/Berlin, Asia/Kolkata` });
  const zone = tz ?? 'UTC';
  const instant = (name: 'from' | 'to', text: unknown): number | null => {
    if (typeof text !== 'string' || text === '') return null;
    const at = parseInstant(text, zone);
    if (at === null) errors.push({ path: name, reason: `must be an RFC 3339 time (2025-03-01T00:00:00Z) or a date (2025-03-01) (got ${JSON.stringify(text)})` });
    return at;
  };
  const from = instant('from', fromText);
  const to = instant('to', toText);
  if (errors.length === 0 && from !== null && to !== null && from >= to) errors.push({ path: 'to', reason: 'must be after from' });
  return { errors, tz: zone, from, to };
}

/**
 * Parses with `schema`; when that fails, the zone and range are checked too,
 * so one answer lists every mistake.
 */
function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  try {
    return parseWith(schema, input);
  } catch (err) {
    const given = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    const times = resolveTimes(given.tz, given.from, given.to);
    if (err instanceof TallyError && times.errors.length > 0) {
      const errors = [...((err.details.errors ?? []) as FieldError[]), ...times.errors];
      throw validationError(errors);
    }
    throw err;
  }
}

/** The parsed common parameters, the range as given (null when absent); throws every field error. */
function resolveParts(raw: CommonRaw): ResolvedParts {
  const { errors, tz: zone, from, to } = resolveTimes(raw.tz, raw.from, raw.to);
  if (errors.length > 0) throw validationError(errors);
  const tags = (raw.tag ?? []).map((t) => {
    const m = TAG_RE.exec(t) as RegExpExecArray;
    return { key: m[1] as string, value: m[2] as string };
  });
  const filters: UsageFilters = {
    ...(raw.user_id ? { user_id: raw.user_id } : {}),
    ...(raw.group ? { group: raw.group } : {}),
    ...(raw.session_id ? { session_id: raw.session_id } : {}),
    ...(raw.agent ? { agent: raw.agent } : {}),
    ...(raw.feature ? { feature: raw.feature } : {}),
    ...(raw.provider ? { provider: raw.provider } : {}),
    ...(raw.model ? { model: raw.model } : {}),
    ...(raw.api_key_id ? { api_key_id: raw.api_key_id } : {}),
    ...(raw.status ? { status: raw.status } : {}),
    ...(raw.priced === undefined ? {} : { priced: raw.priced }),
    ...(tags.length > 0 ? { tags } : {}),
  };
  return { from, to, tz: zone, filters };
}

/** A missing `to` is the end of the quarter hour holding now: the range then ends on a rollup bucket edge and no raw events are read for it. */
export const DEFAULT_END_ALIGN_MS = 900_000;

/**
 * Resolves the parsed common parameters; a missing range is the 30 days up
 * to now — up to the end of the current quarter hour, which holds nothing
 * later than now but events stamped in the future (as any range would that
 * ends there), so "up to now" is answered from rollups alone (issue 13).
 */
export function resolveCommon(raw: CommonRaw, now: number = Date.now()): CommonQuery {
  const parts = resolveParts(raw);
  const to = parts.to ?? Math.ceil(now / DEFAULT_END_ALIGN_MS) * DEFAULT_END_ALIGN_MS;
  const from = parts.from ?? to - DEFAULT_RANGE_MS;
  if (from >= to) throw validationError([{ path: 'from', reason: `must be before to (${new Date(to).toISOString()})` }]);
  return { from, to, tz: parts.tz, filters: parts.filters };
}

// ---- per query -------------------------------------------------------------

export const MAX_BREAKDOWN_LIMIT = 10_000;
export const MAX_BUCKETS = 10_000;

/** `source=raw` reads raw events (current versions only) for the whole range instead of the rollups: slower, and exact even for duplicates that reached usage_events past the insert path's dedupe. */
const sourceParam = z.enum(['auto', 'raw']).optional();

const measuresParam = nameList(OUTPUT_MEASURES, OUTPUT_MEASURES.length);

const summarySchema = z.object({ ...commonShape, source: sourceParam, measures: measuresParam }).strict();

const breakdownSchema = z
  .object({
    ...commonShape,
    source: sourceParam,
    by: nameList(BREAKDOWN_DIMENSIONS, 2),
    bucket: bucketEnum.optional(),
    sort: measureEnum.optional(),
    order: z.enum(['asc', 'desc']).optional(),
    limit: intParam(1, MAX_BREAKDOWN_LIMIT),
    measures: measuresParam,
  })
  .strict();

const timeseriesSchema = z
  .object({
    ...commonShape,
    source: sourceParam,
    bucket: bucketEnum.optional(),
    measure: z.enum([...SORTABLE_MEASURES, 'all']).optional(),
    stack_by: dimensionEnum.optional(),
    limit: intParam(1, 100),
  })
  .strict();

/** Records also take `event_id` (repeatable): those events only — the dashboard's event view as a link. */
const recordsSchema = z.object({ ...commonShape, event_id: many(value), limit: intParam(1, 1000), cursor: z.string().min(1).max(512).optional() }).strict();

const latencySchema = z.object({ ...commonShape, by: z.enum(LATENCY_DIMENSIONS).optional(), quantiles: z.enum(LATENCY_QUANTILES).optional() }).strict();

export interface SummaryQuery extends CommonQuery {
  /** `auto`: rollups where they answer exactly, raw events where they must; `raw`: raw events throughout. */
  readonly source: UsageSource;
  /** Only these measures in the answer (null: all); fewer measures, less work for the store. */
  readonly measures: readonly OutputMeasure[] | null;
}

export interface BreakdownQuery extends SummaryQuery {
  readonly by: readonly BreakdownDimension[];
  readonly bucket: Bucket | null;
  readonly sort: Measure;
  readonly order: 'asc' | 'desc';
  /** Top-N groups (dimension tuples); the rest fold into `other`. */
  readonly limit: number;
}

export interface TimeseriesQuery extends SummaryQuery {
  readonly bucket: Bucket;
  readonly measure: Measure | 'all';
  readonly stackBy: BreakdownDimension | null;
  readonly limit: number;
}

export interface RecordsQuery extends CommonQuery {
  /** Only these events; empty: any. */
  readonly eventIds: readonly string[];
  readonly limit: number;
  readonly cursor: string | null;
}

export interface LatencyQuery extends CommonQuery {
  readonly by: LatencyDimension;
  /** `exact` (default): over raw events; `histogram`: from the latency rollups, within 1 %. */
  readonly quantiles: LatencyQuantiles;
}

/** The measures asked for, in answer order; null when the parameter is absent (every measure). */
function measuresOf(asked: readonly OutputMeasure[] | undefined): readonly OutputMeasure[] | null {
  return asked === undefined ? null : OUTPUT_MEASURES.filter((m) => asked.includes(m));
}

export function parseSummary(input: unknown, now?: number): SummaryQuery {
  const raw = parseParams(summarySchema, input);
  return { ...resolveCommon(raw, now), source: raw.source ?? 'auto', measures: measuresOf(raw.measures) };
}

export function parseBreakdown(input: unknown, now?: number): BreakdownQuery {
  const raw = parseParams(breakdownSchema, input);
  const by = raw.by ?? [];
  const errors: FieldError[] = [];
  if (by.length === 0 && raw.bucket === undefined) errors.push({ path: 'by', reason: 'give one or two dimensions (by) and/or a time bucket (bucket)' });
  if (new Set(by).size !== by.length) errors.push({ path: 'by', reason: 'names a dimension twice' });
  if (errors.length > 0) throw validationError(errors);
  const common = resolveCommon(raw, now);
  return { ...common, source: raw.source ?? 'auto', by, bucket: raw.bucket ?? null, sort: raw.sort ?? 'cost_total', order: raw.order ?? 'desc', limit: raw.limit ?? 100, measures: measuresOf(raw.measures) };
}

export function parseTimeseries(input: unknown, now?: number): TimeseriesQuery {
  const raw = parseParams(timeseriesSchema, input);
  const common = resolveCommon(raw, now);
  return { ...common, source: raw.source ?? 'auto', measures: null, bucket: raw.bucket ?? 'day', measure: raw.measure ?? 'cost_total', stackBy: raw.stack_by ?? null, limit: raw.limit ?? 10 };
}

export function parseRecords(input: unknown, now?: number): RecordsQuery {
  const raw = parseParams(recordsSchema, input);
  return { ...resolveCommon(raw, now), eventIds: raw.event_id ?? [], limit: raw.limit ?? 50, cursor: raw.cursor ?? null };
}

export function parseLatency(input: unknown, now?: number): LatencyQuery {
  const raw = parseParams(latencySchema, input);
  return { ...resolveCommon(raw, now), by: raw.by ?? 'model_key', quantiles: raw.quantiles ?? 'exact' };
}

export interface SessionQuery {
  readonly id: string;
  /** Null: unbounded (a session is found whenever it happened). */
  readonly from: number | null;
  readonly to: number | null;
  readonly tz: string;
  readonly filters: UsageFilters;
}

const sessionSchema = z.object({ ...commonShape, id: value }).strict();

/** A session id (from the path) and optional range and filters. */
export function parseSession(id: unknown, input: unknown): SessionQuery {
  const raw = parseParams(sessionSchema, { ...(typeof input === 'object' && input !== null ? input : {}), id });
  return { id: raw.id, ...resolveParts(raw) };
}
