/** The `statements` operations (statements.ts) in SQL, over one executor. */
import { COST_CLASSES, type CostClass } from '../../core/classes.js';
import { formatUsd, parseScaled, parseUsd } from '../../core/money.js';
import { formatDateTime64 } from '../../core/time.js';
import { closedStatementsQuery, statementTenantsQuery, statementUsageQuery, STATEMENTS_TABLE, type ClosedStatementTableRow, type StatementUsageTableRow } from '../queries/statements.js';
import type { SqlExecutor } from '../types.js';
import type { StatementOperations, StatementUsageRow } from './statements.js';

/** Audio seconds are stored with 3 decimals; quantities are kept as integers of thousandths. */
export const AUDIO_SECOND_SCALE = 3;

function toRow(r: StatementUsageTableRow): StatementUsageRow {
  const quantity = {} as Record<CostClass, bigint>;
  const amount = {} as Record<CostClass, bigint>;
  for (const c of COST_CLASSES) {
    quantity[c] = parseScaled(r[`q_${c}`], c === 'audio_second' ? AUDIO_SECOND_SCALE : 0, `q_${c}`);
    amount[c] = parseUsd(r[`p_${c}`], `p_${c}`);
  }
  const book = r.book === 'tenant' || r.book === 'user' ? r.book : '';
  return { day: r.day, model: r.model_label, model_key: r.model_key, reported_model: r.model, provider: r.provider, book, events: BigInt(r.events), quantity, amount, price_total: parseUsd(r.price_total, 'price_total') };
}

export function createStatementOperations(sql: SqlExecutor): StatementOperations {
  return {
    async usage(filter) {
      const rows = await sql.query<StatementUsageTableRow>(statementUsageQuery({ tenant: filter.tenant, ...(filter.user === undefined ? {} : { user: filter.user }), from: filter.from, to: filter.to }));
      return rows.map(toRow);
    },
    async closed(tenant, user, periods) {
      const rows = await sql.query<ClosedStatementTableRow>(closedStatementsQuery(tenant, user, periods));
      return rows.map((r) => ({ tenant: r.tenant, user: r.user_id, period: r.period, version: r.version_text, content_hash: r.content_hash, document: r.document }));
    },
    async tenants(from, to) {
      return (await sql.query<{ tenant: string }>(statementTenantsQuery(from, to))).map((r) => r.tenant);
    },
    async close(row) {
      await sql.insert(STATEMENTS_TABLE, [
        { tenant: row.tenant, user_id: row.user, period: row.period, version: row.version, closed_at: formatDateTime64(new Date(row.closed_at)), usage: formatUsd(row.usage), due: formatUsd(row.due), content_hash: row.content_hash, document: row.document },
      ]);
    },
  };
}
