/**
 * Query objects of statements (issue 16, docs/billing.md "Statements"): a
 * customer's billed usage in a range, per UTC day, model and class — what a
 * statement's line items, allowances and exports are built from.
 *
 * Duplicates and reprices collapse exactly as in analytics: raw
 * `usage_events` read with FINAL and `sign = 1` (rawTotalsQuery), so the sum
 * of `price_<class>` over these rows equals the analytics `price` of the same
 * range and customer. Sums are widened (sumSql) so no sum can wrap.
 * Every query starts with a `/* tally:statements.<name> *\/` tag.
 */
import { COST_CLASSES, TOKEN_CLASSES, type CostClass } from '../../core/classes.js';
import type { SqlQuery } from '../types.js';
import { sumSql } from './measures.js';
import { dateTime64Param, type Instant } from './time.js';

/** The usage_events column holding a class's quantity (tokens, requests, units; audio seconds with 3 decimals). */
export const QUANTITY_COLUMNS: Readonly<Record<CostClass, string>> = {
  ...(Object.fromEntries(TOKEN_CLASSES.map((c) => [c, `${c}_tokens`])) as Record<(typeof TOKEN_CLASSES)[number], string>),
  request: 'requests',
  tool_call: 'tool_calls',
  web_search: 'web_search_requests',
  audio_second: 'audio_seconds',
  image: 'images',
};

export interface StatementUsageRange {
  readonly tenant: string;
  /** Only this user's events; every event of the tenant when absent. */
  readonly user?: string;
  /** Inclusive start. */
  readonly from: Instant;
  /** Exclusive end. */
  readonly to: Instant;
}

/**
 * A row of `statementUsageQuery`: one UTC day, model and pricing book kind.
 * `q_<class>` are quantities (integer text; audio seconds decimal text with up
 * to 3 places), `p_<class>` and `price_total` decimal USD text.
 */
export type StatementUsageTableRow = {
  readonly day: string;
  readonly model_label: string;
  readonly model_key: string;
  readonly model: string;
  readonly provider: string;
  /** 'tenant' or 'user' (the kind of book that priced the events, from price_book_version), '' for none. */
  readonly book: string;
  readonly events: string;
  readonly price_total: string;
} & { readonly [K in CostClass as `q_${K}`]: string } & { readonly [K in CostClass as `p_${K}`]: string };

/** A customer's events in [from, to), current versions only, summed per UTC day, model and book kind. */
export function statementUsageQuery(range: StatementUsageRange): SqlQuery {
  const sums = [
    ...COST_CLASSES.map((c) => `    toString(${sumSql(QUANTITY_COLUMNS[c] === 'audio_seconds' ? 'audio_seconds' : 'requests', QUANTITY_COLUMNS[c])}) AS q_${c}`),
    ...COST_CLASSES.map((c) => `    toString(${sumSql('price_total', `price_${c}`)}) AS p_${c}`),
  ].join(',\n');
  const userFilter = range.user === undefined ? '' : '\n  AND user_id = {user:String}';
  return {
    sql: `/* tally:statements.usage */
SELECT
    toString(toDate(occurred_at, 'UTC')) AS day,
    if(model_key = '', model, model_key) AS model_label,
    model_key,
    model,
    provider,
    multiIf(startsWith(price_book_version, 'user:'), 'user', startsWith(price_book_version, 'tenant:'), 'tenant', '') AS book,
    toString(count()) AS events,
    toString(${sumSql('price_total')}) AS price_total,
${sums}
FROM usage_events FINAL
WHERE tenant = {tenant:String}${userFilter}
  AND occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND sign = 1
GROUP BY day, model_label, model_key, model, provider, book
ORDER BY day, model_label, model_key, model, provider, book`,
    params: {
      tenant: range.tenant,
      ...(range.user === undefined ? {} : { user: range.user }),
      from: dateTime64Param(range.from, 'from'),
      to: dateTime64Param(range.to, 'to'),
    },
  };
}

export const STATEMENTS_TABLE = 'statements';

/** A closed statement's row as `closedStatementsQuery` returns it. */
export interface ClosedStatementTableRow {
  readonly tenant: string;
  readonly user_id: string;
  readonly period: string;
  /** UInt64 as decimal text. */
  readonly version_text: string;
  readonly content_hash: string;
  readonly document: string;
}

/**
 * The closed statements of a customer (the first close of each month: lowest
 * version), by period; only `periods` when given.
 */
export function closedStatementsQuery(tenant: string, user: string, periods?: readonly string[]): SqlQuery {
  const periodFilter = periods === undefined ? '' : '\n  AND period IN {periods:Array(String)}';
  return {
    sql: `/* tally:statements.closed */
SELECT tenant, user_id, period, toString(min(version)) AS version_text, argMin(content_hash, version) AS content_hash, argMin(document, version) AS document
FROM statements FINAL
WHERE tenant = {tenant:String} AND user_id = {user:String}${periodFilter}
GROUP BY tenant, user_id, period
ORDER BY period`,
    params: { tenant, user, ...(periods === undefined ? {} : { periods: [...periods] }) },
  };
}

/** Tenants with events in [from, to), or with a closed statement of their own: whom an export of the range covers. */
export function statementTenantsQuery(from: Instant, to: Instant): SqlQuery {
  return {
    sql: `/* tally:statements.tenants */
SELECT tenant FROM (
    SELECT DISTINCT tenant FROM usage_events
    WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')} AND sign = 1
    UNION DISTINCT
    SELECT DISTINCT tenant FROM statements WHERE user_id = '')
ORDER BY tenant`,
    params: { from: dateTime64Param(from, 'from'), to: dateTime64Param(to, 'to') },
  };
}
