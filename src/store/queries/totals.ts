/**
 * Totals per tenant for a time range: from raw events (exact before merges:
 * FINAL, current versions only) and from each rollup (sign-weighted sums).
 * For a range aligned to the rollup's buckets the two return the same values,
 * field for field — the contract suite proves it.
 */
import type { SqlQuery } from '../types.js';
import { rawMeasuresSql, rollupMeasuresSql, type TotalsMeasures } from './measures.js';
import type { RollupGrain } from './grain.js';
import { grainCondition, rollupTableName } from './rollup-tables.js';
import { dateTime64Param, dateTimeParam, type Instant } from './time.js';

export type TenantTotalsRow = TotalsMeasures & { tenant: string };

export interface TotalsRange {
  /** Inclusive start. */
  readonly from: Instant;
  /** Exclusive end. */
  readonly to: Instant;
  /** Restrict to these tenants; all tenants when absent. */
  readonly tenants?: readonly string[];
}

/** One row per tenant with events in [from, to), from `usage_events` FINAL. */
export function rawTotalsQuery(range: TotalsRange): SqlQuery {
  const tenantFilter = range.tenants === undefined ? '' : '\n  AND tenant IN {tenants:Array(String)}';
  return {
    sql: `SELECT
    tenant,
${rawMeasuresSql()}
FROM usage_events FINAL
WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND sign = 1${tenantFilter}
GROUP BY tenant
ORDER BY tenant`,
    params: {
      from: dateTime64Param(range.from, 'from'),
      to: dateTime64Param(range.to, 'to'),
      ...(range.tenants === undefined ? {} : { tenants: [...range.tenants] }),
    },
  };
}

/**
 * One row per tenant from one grain of a rollup table (the full one, or
 * `table`): buckets starting in [from, to). Exact for ranges aligned to the
 * grain (whole 15 minutes, hours, or UTC days). Tenants whose measures
 * cancel out to zero may still appear with zeros until the rollup merges.
 */
export function rollupTotalsQuery(grain: RollupGrain, range: TotalsRange, table: string = rollupTableName('full')): SqlQuery {
  const tenantFilter = range.tenants === undefined ? '' : '\n  AND tenant IN {tenants:Array(String)}';
  return {
    sql: `SELECT
    tenant,
${rollupMeasuresSql()}
FROM ${table}
WHERE ${grainCondition(grain)}
  AND bucket >= {from:DateTime('UTC')}
  AND bucket < {to:DateTime('UTC')}${tenantFilter}
GROUP BY tenant
HAVING events != 0
ORDER BY tenant`,
    params: {
      from: dateTimeParam(range.from, 'from'),
      to: dateTimeParam(range.to, 'to'),
      ...(range.tenants === undefined ? {} : { tenants: [...range.tenants] }),
    },
  };
}
