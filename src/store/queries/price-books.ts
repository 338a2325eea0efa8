/**
 * Query objects of the price-book table (migration 0015_price_books.sql).
 * Reads use FINAL (a retried insert of one version counts once); the newest
 * version per customer is argMax by version. Every query starts with a
 * `/* tally:price_books.<name> *\/` tag that names it in the server's query log.
 */
import type { SqlQuery } from '../types.js';

export const PRICE_BOOKS_TABLE = 'price_books';

/** A row as the queries below return it. */
export interface PriceBookTableRow {
  readonly tenant: string;
  readonly user_id: string;
  /** UInt64 as decimal text. */
  readonly version_text: string;
  readonly body: string;
  readonly deleted: number | string;
  /** `YYYY-MM-DD hh:mm:ss.sss` (UTC). */
  readonly updated_at_text: string;
}

const COLUMNS = 'tenant, user_id, toString(version) AS version_text, body, deleted, toString(updated_at) AS updated_at_text';

/** The newest version of every customer's book, deleted customers left out. */
export function currentPriceBooksQuery(): SqlQuery {
  return {
    sql: `/* tally:price_books.current */
SELECT tenant, user_id, toString(v) AS version_text, b AS body, d AS deleted, toString(u) AS updated_at_text
FROM (
    SELECT tenant, user_id, max(version) AS v, argMax(body, version) AS b, argMax(deleted, version) AS d, argMax(updated_at, version) AS u
    FROM price_books FINAL
    GROUP BY tenant, user_id)
WHERE d = 0
ORDER BY tenant, user_id`,
  };
}

/** Every version of one customer's book, newest first. */
export function priceBookHistoryQuery(tenant: string, user: string): SqlQuery {
  return {
    sql: `/* tally:price_books.history */
SELECT ${COLUMNS}
FROM price_books FINAL
WHERE tenant = {tenant:String} AND user_id = {user:String}
ORDER BY version DESC`,
    params: { tenant, user },
  };
}

/** One version of a customer's book, or its newest. */
export function priceBookQuery(tenant: string, user: string, version?: string): SqlQuery {
  const params: Record<string, unknown> = { tenant, user };
  let where = 'tenant = {tenant:String} AND user_id = {user:String}';
  if (version !== undefined) {
    where += ' AND version = {version:UInt64}';
    params.version = version;
  }
  return {
    sql: `/* tally:price_books.one */
SELECT ${COLUMNS}
FROM price_books FINAL
WHERE ${where}
ORDER BY version DESC
LIMIT 1`,
    params,
  };
}

/** The change marker: the highest version, deletions included (0 when empty). */
export function priceBooksVersionQuery(): SqlQuery {
  return { sql: '/* tally:price_books.version */\nSELECT toString(max(version)) AS version FROM price_books' };
}
