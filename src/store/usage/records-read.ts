/**
 * Reading one window of a records page. A tenant's page is one FINAL read
 * of the window. Across every tenant that read covers every tenant's rows
 * of the window (the sort key leads with the tenant, then the UTC day): at
 * 10 M events, 1.8 M rows for the last day. So a page of every tenant is
 * read in two passes instead (records.ts): the keys of the newest rows
 * meeting the conditions, without FINAL (key and filter columns only), then
 * the current versions of just those events.
 *
 * The answer is the FINAL read's. Every event of the exact page has a row
 * meeting the conditions (its current version), so it is among pass one's
 * rows unless `limit` + 1 rows rank before it; every event pass one names
 * ranks at or before its last row. So when pass two finds a full page among
 * them, no event outside them can rank before any of them; when pass one
 * found fewer rows than it asked for, it named every candidate. Otherwise —
 * stale versions, duplicates or cancellations among the newest rows — the
 * window is read once more, by FINAL.
 */
import type { SqlExecutor } from '../executor.js';
import { recordKeysQuery, recordsOfKeysQuery, recordsQuery, type RecordKey, type RecordRow } from './records.js';
import type { RecordPosition, RecordsSpec } from './specs.js';

/** Up to `limit` + 1 records of `spec`'s window, newest first, after `after`. */
export async function readRecordsWindow(sql: SqlExecutor, spec: RecordsSpec, after: RecordPosition | null): Promise<RecordRow[]> {
  if (spec.scope !== null) return sql.query<RecordRow>(recordsQuery(spec, after));
  const keys = await sql.query<RecordKey>(recordKeysQuery(spec, after));
  if (keys.length === 0) return [];
  const rows = await sql.query<RecordRow>(recordsOfKeysQuery(spec, after, keys));
  if (rows.length > spec.limit || keys.length <= spec.limit) return rows;
  return sql.query<RecordRow>(recordsQuery(spec, after));
}
