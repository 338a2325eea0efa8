/** The `events` operations (events.ts) in SQL, over one executor. */
import type { UsageEventRow } from '../event-row.js';
import { existingEventIds, insertEventRows, insertPricedEvents, type EventWriter } from '../events.js';
import { writeClassified } from '../positions.js';
import { eventByIdQuery, eventRowCountQuery, nextOffsetsQuery } from '../queries/events.js';
import type { SqlExecutor } from '../types.js';
import type { EventOperations } from './events.js';
import type { WriteTracker } from '../write-tracker.js';
import { rawRetentionMonths } from '../queries/rollup-repair.js';
import { highOffsetQuery, recentEventKeysQuery } from '../queries/stream-positions.js';
import { formatDateTime64 } from '../../core/time.js';

export const STREAM_POSITIONS_TABLE = 'stream_positions';

export function createEventOperations(sql: SqlExecutor, tracker?: WriteTracker): EventOperations {
  const writer: EventWriter = tracker === undefined ? { sql } : { sql, tracker };
  return {
    insert: (events, options) => insertPricedEvents(writer, events, options),
    insertRows: (rows) => insertEventRows(writer, rows),
    write: (events) => writeClassified(writer, events),
    exists: (keys, options) => existingEventIds(writer, keys, options),
    async byId(input) {
      const [row] = await sql.query<UsageEventRow>(eventByIdQuery(input));
      return row ?? null;
    },
    async highOffset(topic, partition) {
      const [row] = await sql.query<{ high: string }>(highOffsetQuery(topic, partition));
      return row === undefined || row.high === '' ? null : row.high;
    },
    async recordHighOffsets(positions) {
      if (positions.length === 0) return;
      const writtenAt = formatDateTime64(new Date());
      await sql.insert(STREAM_POSITIONS_TABLE, positions.map((p) => ({ source_topic: p.topic, source_partition: p.partition, high_offset: p.offset, written_at: writtenAt })));
    },
    recentKeys: (topic, partition, sinceMs) => sql.query<{ tenant: string; event_id: string }>(recentEventKeysQuery(topic, partition, formatDateTime64(new Date(sinceMs)))),
    async nextOffsets(topic) {
      const rows = await sql.query<{ partition: number | string; next: string }>(nextOffsetsQuery(topic));
      return Object.fromEntries(rows.map((r) => [Number(r.partition), r.next]));
    },
    retentionMonths: () => rawRetentionMonths(sql),
    async any() {
      const [row] = await sql.query<{ n: string }>(eventRowCountQuery());
      return (row?.n ?? '0') !== '0';
    },
  };
}
