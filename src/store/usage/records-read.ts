/**
 * Reading a records page: the newest `limit` + 1 events (current versions,
 * `sign = 1`, meeting the filters) before the page's upper end, exactly as
 * `usage_events FINAL` orders them.
 *
 * `usage_events` is sorted by tenant, UTC day and a random event id, so the
 * newest events of a day are spread over all of its granules. Migration
 * 0019 adds the projection `records_by_time` (the record columns, ordered by
 * occurred_at, event_id), and a page is read in three steps (records.ts):
 *
 * 1. the keys of the newest `take` rows meeting the conditions, without
 *    FINAL — from the projection: its newest granules, in reverse order;
 * 2. each named event's current version, read from the table by key (only
 *    key, version and filtered columns), the conditions applied to it;
 * 3. those versions' record columns from the projection, by position —
 *    2 and 3 in one statement.
 *
 * Windows, narrowest first (the hour before the page's upper end, the day,
 * the week, then the whole range): a window whose step one finds fewer rows
 * than a page cannot fill it, so the next one is tried without steps two and
 * three. The hour is what lets step one read the projection for one tenant
 * too: ClickHouse reads whichever of the table and the projection has fewer
 * marks in range, and the table's key is by day.
 *
 * Why the answer is FINAL's. Let P be the position (occurred_at, event_id)
 * of step one's last row. An event of the exact page whose current version
 * ranks at or before P has that version among the rows meeting the
 * conditions, so it is among step one's rows (up to rows tied at P: the
 * same event's, named anyway, or another tenant's event with the same id
 * and millisecond, which no position can tell apart — the keyset cursor
 * neither). Step two keeps, of the named events, exactly those whose current
 * version meets the conditions and ranks at or before P: every event of the
 * exact page up to P, in order. When that is a full page, it is the page.
 * When step one found fewer rows than it asked for, it named every
 * candidate of the window (P bounds nothing). Otherwise — stale versions,
 * duplicates or cancellations among the newest rows — step one asks for
 * more rows once, then the window is read by FINAL.
 */
import { parseDateTime64 } from '../../core/time.js';
import type { SqlExecutor } from '../executor.js';
import { recordKeysQuery, recordsOfKeysQuery, recordsQuery, type RecordKeyRow, type RecordRow } from './records.js';
import type { RecordPosition, RecordsSpec } from './specs.js';

/** Windows a records page is looked for in, narrowest first; the last is the whole range. */
export const RECORD_WINDOWS_MS: readonly number[] = [3_600_000, 86_400_000, 7 * 86_400_000, Number.POSITIVE_INFINITY];

/** How many rows step one asks for, per attempt, as multiples of a page and one. */
const TAKE_FACTORS: readonly number[] = [1, 4];

/** Up to `limit` + 1 records of `spec`, newest first, after `after`. */
export async function readRecords(sql: SqlExecutor, spec: RecordsSpec, after: RecordPosition | null): Promise<RecordRow[]> {
  const upper = Math.min(spec.to, after === null ? spec.to : (parseDateTime64(after.occurredAt) ?? Number.NaN) + 1);
  // Looking events up by id or session: a handful of events anywhere in the range.
  const lookup = (spec.eventIds?.length ?? 0) > 0 || (spec.filters.session_id?.length ?? 0) > 0;
  const windows = lookup ? [Number.POSITIVE_INFINITY] : RECORD_WINDOWS_MS;
  for (const span of windows) {
    const from = Math.max(spec.from, upper - span);
    const rows = await readRecordsWindow(sql, { ...spec, from }, after, from === spec.from);
    if (rows !== null) return rows;
  }
  return [];
}

/**
 * Up to `limit` + 1 records of `spec`'s window, newest first, after `after`;
 * null when the window holds fewer than that and is not `last` (a wider one
 * must be read).
 */
export async function readRecordsWindow(sql: SqlExecutor, spec: RecordsSpec, after: RecordPosition | null, last: boolean): Promise<RecordRow[] | null> {
  const page = spec.limit + 1;
  for (const factor of TAKE_FACTORS) {
    const take = page * factor;
    const keys = await sql.query<RecordKeyRow>(recordKeysQuery(spec, after, take));
    const complete = keys.length < take;
    if (complete && keys.length < page && !last) return null;
    if (keys.length === 0) return [];
    const end = keys[keys.length - 1] as RecordKeyRow;
    const through = complete ? null : { occurredAt: end.at, eventId: end.event_id };
    const rows = await sql.query<RecordRow>(recordsOfKeysQuery(spec, after, keys, through));
    if (rows.length < page && !complete) continue;
    if (rows.length < page && !last) return null;
    return rows;
  }
  return sql.query<RecordRow>(recordsQuery(spec, after));
}
