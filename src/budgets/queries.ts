/**
 * Query objects of reconcile: SQL text with bound parameters only. Every
 * query starts with a `/* tally:budgets.<name> *\/` tag (it names the query
 * in the server's query log; the unit tests' fake store dispatches on it).
 *
 * `usage_events` is read with FINAL (current version of each event). Sums use
 * `sumIf(…, sign = 1)` rather than `WHERE sign = 1`, so an event that was
 * cancelled still yields its group with zeros: a counter that counted it is
 * then set back to zero instead of being left alone.
 */
import type { SqlQuery } from '../store/types.js';
import type { ScopeDim } from './scope.js';
import { columnOf, type ScopeDimension } from '../core/dimensions.js';
import { TOKEN_CLASSES } from '../core/classes.js';
import { formatDateTime64 } from '../core/time.js';

/** The column expression a dimension is read from. `model` is the resolved key, else the model as reported. */
export function dimExpr(d: ScopeDimension): string {
  return d === 'model' ? "if(model_key != '', model_key, model)" : columnOf(d);
}

/** A glob (`*` = any run) as an RE2 pattern for `match()`. */
export function globToRe2(pattern: string): string {
  return `^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\*]/g, '\\$&')).join('.*')}$`;
}

export interface MaxOffsetRow {
  readonly topic: string;
  readonly partition: number;
  readonly max_offset: string;
}

/** Highest stored offset per source partition, for one tenant or (null) for all. */
export function maxOffsetsQuery(tenant: string | null): SqlQuery {
  return {
    sql: `/* tally:budgets.max_offsets */
SELECT source_topic AS topic, source_partition AS partition, toString(max(source_offset)) AS max_offset
FROM usage_events
WHERE source_topic != ''${tenant === null ? '' : '\n  AND tenant = {tenant:String}'}
GROUP BY source_topic, source_partition
ORDER BY source_topic, source_partition`,
    params: tenant === null ? {} : { tenant },
  };
}

export interface TenantRow {
  readonly tenant: string;
}

/** Tenants with events in [from, to). */
export function tenantsQuery(from: number, to: number): SqlQuery {
  return {
    sql: `/* tally:budgets.tenants */
SELECT DISTINCT tenant
FROM usage_events
WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
ORDER BY tenant`,
    params: { from: formatDateTime64(new Date(from)), to: formatDateTime64(new Date(to)) },
  };
}

export interface FencePosition {
  readonly topic: string;
  readonly partition: number;
  /** int64 decimal */
  readonly offset: string;
}

export interface SumsInput {
  /** One tenant, or null for every tenant (global scopes). */
  readonly tenant: string | null;
  /** First instant (epoch ms) and end (exclusive) of the buckets. */
  readonly from: number;
  readonly to: number;
  /** Bucket width in ms: rows are grouped by intDiv(ms − from, step). */
  readonly step: number;
  /** The scope's dimensions except tenant: literal filters, `*` (non-empty), patterns. */
  readonly dims: readonly ScopeDim[];
  /** Events from the log count only at or below these offsets; events not from the log always count. */
  readonly fence: readonly FencePosition[];
}

export type SumsRow = {
  readonly bucket: string;
  readonly cost: string;
  readonly tokens: string;
  readonly requests: string;
} & Readonly<Record<`d_${ScopeDimension}`, string | undefined>> & Readonly<Record<`t_${(typeof TOKEN_CLASSES)[number]}`, string>>;

/** Usage per (per-value dimensions, bucket) of one scope, cut at the fence. */
export function sumsQuery(input: SumsInput): SqlQuery {
  const params: Record<string, unknown> = {
    from: formatDateTime64(new Date(input.from)),
    to: formatDateTime64(new Date(input.to)),
    from_ms: input.from,
    step: input.step,
    fence_topics: input.fence.map((f) => f.topic),
    fence_partitions: input.fence.map((f) => f.partition),
    fence_offsets: input.fence.map((f) => BigInt(f.offset)),
  };
  const where = ["occurred_at >= {from:DateTime64(3, 'UTC')}", "occurred_at < {to:DateTime64(3, 'UTC')}"];
  if (input.tenant !== null) {
    where.push('tenant = {tenant:String}');
    params.tenant = input.tenant;
  }
  const groups: string[] = [];
  for (const d of input.dims) {
    const expr = dimExpr(d.dim);
    if (d.kind === 'literal') {
      where.push(`${expr} = {f_${d.dim}:String}`);
      params[`f_${d.dim}`] = d.value;
    } else if (d.kind === 'pattern') {
      where.push(`match(${expr}, {re_${d.dim}:String})`);
      params[`re_${d.dim}`] = globToRe2(d.value);
    } else {
      where.push(`${expr} != ''`);
      groups.push(`${expr} AS d_${d.dim}`);
    }
  }
  where.push(
    "(source_topic = '' OR (indexOf(arrayZip({fence_topics:Array(String)}, {fence_partitions:Array(Int32)}), (source_topic, source_partition)) AS fence_at) > 0" +
      ' AND source_offset <= arrayElement({fence_offsets:Array(Int64)}, fence_at))',
  );
  const select = [
    ...groups,
    'intDiv(toUnixTimestamp64Milli(occurred_at) - {from_ms:Int64}, {step:Int64}) AS bucket',
    'toString(sumIf(cost_total, sign = 1)) AS cost',
    'toString(sumIf(total_tokens, sign = 1)) AS tokens',
    'toString(sumIf(requests, sign = 1)) AS requests',
    ...TOKEN_CLASSES.map((c) => `toString(sumIf(${c}_tokens, sign = 1)) AS t_${c}`),
  ];
  const groupBy = [...groups.map((g) => g.slice(g.lastIndexOf(' AS ') + 4)), 'bucket'];
  return {
    sql: `/* tally:budgets.sums */
SELECT
    ${select.join(',\n    ')}
FROM usage_events FINAL
WHERE ${where.join('\n  AND ')}
GROUP BY ${groupBy.join(', ')}`,
    params,
  };
}
