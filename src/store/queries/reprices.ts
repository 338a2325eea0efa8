/**
 * Query objects of re-pricing: a page of current event versions, read with
 * FINAL, walked by (occurred_at, event_id); and the audit row of a run.
 */
import { formatDateTime64 } from '../../core/time.js';
import type { RepricePageInput, RepriceRecord } from '../operations/reprices.js';
import type { SqlQuery } from '../types.js';

export const USAGE_REPRICES_TABLE = 'usage_reprices';

/** Where a walk starts: before every stored event. */
const START = { occurredAt: '1970-01-01 00:00:00.000', eventId: '' };

/** Current, uncancelled events in range (optionally one tenant, one model by raw id or key), after a position; UsageEventRows. */
export function repricePageQuery(input: RepricePageInput): SqlQuery {
  const after = input.after ?? START;
  return {
    sql: `SELECT * FROM usage_events FINAL
WHERE sign = 1
  AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND ({tenant:String} = '' OR tenant = {tenant:String})
  AND ({model:String} = '' OR model = {model:String} OR model_key = {model:String})
  AND (occurred_at, event_id) > ({after_at:DateTime64(3, 'UTC')}, {after_id:String})
ORDER BY occurred_at, event_id
LIMIT {limit:UInt32}`,
    params: {
      from: formatDateTime64(input.from), to: formatDateTime64(input.to), tenant: input.tenant ?? '', model: input.model ?? '',
      after_at: after.occurredAt, after_id: after.eventId, limit: input.limit,
    },
  };
}

/** The `usage_reprices` row of a run. */
export function repriceAuditRow(run: RepriceRecord): Record<string, unknown> {
  return {
    reprice_id: run.repriceId, started_at: formatDateTime64(run.startedAt), finished_at: formatDateTime64(run.finishedAt),
    range_from: formatDateTime64(run.from), range_to: formatDateTime64(run.to),
    tenant: run.tenant, model: run.model, examined: run.examined, changed: run.changed,
    cost_before: run.costBefore, cost_after: run.costAfter, price_files: [...run.priceFiles],
    ...(run.prices ? { price_books: run.prices.books ? 1 : 0, price_before: run.prices.before, price_after: run.prices.after } : {}),
  };
}
