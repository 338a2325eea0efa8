/**
 * Query objects of the counter source (what reconcile rebuilds budget counters
 * from). Every query starts with a `/* tally:counters.<name> *\/` tag that
 * names it in the server's query log.
 *
 * `usage_events` is summed with FINAL (current version of each event), using
 * `sumIf(…, sign = 1)` rather than `WHERE sign = 1`, so an event that was
 * cancelled still yields its group with zeros: a counter that counted it is
 * then set back to zero instead of being left alone.
 */
import { TOKEN_CLASSES } from '../../core/classes.js';
import { columnOf, type ScopeDimension } from '../../core/dimensions.js';
import { formatDateTime64 } from '../../core/time.js';
import type { UsageSumsInput } from '../operations/counter-source.js';
import type { SqlQuery } from '../types.js';

/** The column expression a scope dimension is read from: `model` is the counted model (model_key if set, else model). */
export function dimensionExpr(d: ScopeDimension): string {
  return d === 'model' ? "if(model_key != '', model_key, model)" : columnOf(d);
}

/** A glob (`*` = any run) as an RE2 pattern for `match()`: anchored, every other character literal. */
export function globToRe2(pattern: string): string {
  return `^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\*]/g, '\\$&')).join('.*')}$`;
}

/** A row of `maxOffsetsQuery`. */
export interface MaxOffsetRow {
  readonly topic: string;
  readonly partition: number | string;
  readonly max_offset: string;
}

/** Highest stored offset per source partition, for one tenant or (null) for all. */
export function maxOffsetsQuery(tenant: string | null): SqlQuery {
  return {
    sql: `/* tally:counters.max_offsets */
SELECT source_topic AS topic, source_partition AS partition, toString(max(source_offset)) AS max_offset
FROM usage_events
WHERE source_topic != ''${tenant === null ? '' : '\n  AND tenant = {tenant:String}'}
GROUP BY source_topic, source_partition
ORDER BY source_topic, source_partition`,
    params: tenant === null ? {} : { tenant },
  };
}

/** Tenants with events in [from, to) (epoch ms): rows `{tenant}`, sorted. */
export function tenantsQuery(from: number, to: number): SqlQuery {
  return {
    sql: `/* tally:counters.tenants */
SELECT DISTINCT tenant
FROM usage_events
WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
ORDER BY tenant`,
    params: { from: formatDateTime64(new Date(from)), to: formatDateTime64(new Date(to)) },
  };
}

/**
 * A row of `sumsQuery`: `d_<dimension>` per `each` dimension, the bucket
 * index, and decimal text of the sums (`t_<class>` per token class).
 */
export type SumsRow = {
  readonly bucket: number | string;
  readonly cost: string;
  readonly price: string;
  readonly tokens: string;
  readonly requests: string;
} & Readonly<Partial<Record<`d_${ScopeDimension}`, string>>> & Readonly<Record<`t_${(typeof TOKEN_CLASSES)[number]}`, string>>;

/** Usage per (`each` dimension values, bucket) of one scope, cut at the fence. */
export function sumsQuery(input: UsageSumsInput): SqlQuery {
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
  if (input.priced !== undefined) {
    where.push('priced = {priced:Bool}');
    params.priced = input.priced;
  }
  const groups: string[] = [];
  for (const d of input.dims) {
    const expr = dimensionExpr(d.dim);
    if (d.kind === 'literal') {
      where.push(`${expr} = {f_${d.dim}:String}`);
      params[`f_${d.dim}`] = d.value;
    } else if (d.kind === 'pattern') {
      where.push(`match(${expr}, {re_${d.dim}:String})`);
      params[`re_${d.dim}`] = globToRe2(d.value);
    } else {
      where.push(`${expr} != ''`);
      groups.push(`d_${d.dim}`);
    }
  }
  where.push(
    "(source_topic = '' OR (indexOf(arrayZip({fence_topics:Array(String)}, {fence_partitions:Array(Int32)}), (source_topic, source_partition)) AS fence_at) > 0" +
      ' AND source_offset <= arrayElement({fence_offsets:Array(Int64)}, fence_at))',
  );
  const select = [
    ...input.dims.filter((d) => d.kind === 'each').map((d) => `${dimensionExpr(d.dim)} AS d_${d.dim}`),
    'intDiv(toUnixTimestamp64Milli(occurred_at) - {from_ms:Int64}, {step:Int64}) AS bucket',
    // Sums wider than the columns: UInt64 and Decimal(38, 15) sums wrap silently on overflow.
    'toString(sumIf(toDecimal256(cost_total, 15), sign = 1)) AS cost',
    'toString(sumIf(toDecimal256(price_total, 15), sign = 1)) AS price',
    'toString(sumIf(toUInt128(total_tokens), sign = 1)) AS tokens',
    'toString(sumIf(toUInt128(requests), sign = 1)) AS requests',
    ...TOKEN_CLASSES.map((c) => `toString(sumIf(toUInt128(${c}_tokens), sign = 1)) AS t_${c}`),
  ];
  return {
    sql: `/* tally:counters.sums */
SELECT
    ${select.join(',\n    ')}
FROM usage_events FINAL
WHERE ${where.join('\n  AND ')}
GROUP BY ${[...groups, 'bucket'].join(', ')}`,
    params,
  };
}
