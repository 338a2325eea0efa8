/** The `priceBooks` operations (price-books.ts) in SQL, over one executor. */
import { formatDateTime64, parseDateTime64 } from '../../core/time.js';
import { currentPriceBooksQuery, priceBookHistoryQuery, priceBookQuery, priceBooksVersionQuery, PRICE_BOOKS_TABLE, type PriceBookTableRow } from '../queries/price-books.js';
import type { SqlExecutor } from '../types.js';
import type { PriceBookOperations, PriceBookRow } from './price-books.js';

function toRow(r: PriceBookTableRow): PriceBookRow {
  return {
    tenant: r.tenant,
    user: r.user_id,
    version: r.version_text,
    body: r.body,
    deleted: Number(r.deleted) === 1,
    updated_at: new Date(parseDateTime64(r.updated_at_text) ?? Number.NaN).toISOString(),
  };
}

export function createPriceBookOperations(sql: SqlExecutor): PriceBookOperations {
  return {
    async current() {
      return (await sql.query<PriceBookTableRow>(currentPriceBooksQuery())).map(toRow);
    },
    async history(tenant, user) {
      return (await sql.query<PriceBookTableRow>(priceBookHistoryQuery(tenant, user))).map(toRow);
    },
    async one(tenant, user, version) {
      const [row] = await sql.query<PriceBookTableRow>(priceBookQuery(tenant, user, version));
      return row ? toRow(row) : null;
    },
    async write(row) {
      await sql.insert(PRICE_BOOKS_TABLE, [
        { tenant: row.tenant, user_id: row.user, version: row.version, body: row.body, deleted: row.deleted ? 1 : 0, updated_at: formatDateTime64(new Date(row.updated_at)) },
      ]);
    },
    async maxVersion() {
      const [row] = await sql.query<{ version: string }>(priceBooksVersionQuery());
      return row?.version ?? '0';
    },
  };
}
