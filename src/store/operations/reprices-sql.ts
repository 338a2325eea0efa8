/** The `reprices` operations (reprices.ts) in SQL, over one executor. */
import type { UsageEventRow } from '../event-row.js';
import { USAGE_REPRICES_TABLE, repriceAuditRow, repricePageQuery } from '../queries/reprices.js';
import type { SqlExecutor } from '../types.js';
import type { RepriceOperations } from './reprices.js';

export function createRepriceOperations(sql: SqlExecutor): RepriceOperations {
  return {
    page: (input) => sql.query<UsageEventRow>(repricePageQuery(input)),
    record: (run) => sql.insert(USAGE_REPRICES_TABLE, [repriceAuditRow(run)]),
  };
}
