/** Query objects and rows of the embedded dead-letter queue (`dead_letters`, migration 0006). */
import { formatDateTime64, parseDateTime64 } from '../../core/time.js';
import type { DeadLetter, LetterFilter, LetterState } from '../operations/dead-letters.js';
import type { SqlQuery } from '../types.js';

export const DEAD_LETTERS_TABLE = 'dead_letters';

/** A `dead_letters` row as inserted and as read back. */
export type DeadLetterRow = {
  source_topic: string;
  source_partition: number;
  source_offset: string;
  failed_at: string;
  code: string;
  /** JSON text of the message (so any text survives the store). */
  message: string;
  errors: string;
  /** JSON text: `null` or a string. */
  key: string;
  /** base64 of the record's bytes. */
  value: string;
  /** JSON text of the headers. */
  headers: string;
  state: LetterState;
  version: string;
};

let lastVersion = 0n;

/** Strictly increasing row versions in this process: microseconds since the epoch. */
export function nextVersion(): bigint {
  const now = BigInt(Date.now()) * 1000n;
  lastVersion = now > lastVersion ? now : lastVersion + 1n;
  return lastVersion;
}

export function toLetterRow(letter: DeadLetter, state: LetterState, version: bigint = nextVersion()): DeadLetterRow {
  return {
    source_topic: letter.source.topic,
    source_partition: letter.source.partition,
    source_offset: letter.source.offset,
    failed_at: formatDateTime64(letter.failedAt),
    code: letter.code,
    message: JSON.stringify(letter.message),
    errors: letter.errors,
    key: JSON.stringify(letter.key),
    value: letter.value.toString('base64'),
    headers: JSON.stringify(letter.headers),
    state,
    version: version.toString(),
  };
}

export function fromLetterRow(row: DeadLetterRow): DeadLetter {
  return {
    source: { topic: row.source_topic, partition: Number(row.source_partition), offset: String(row.source_offset) },
    failedAt: new Date(parseDateTime64(row.failed_at) ?? 0),
    code: row.code,
    message: JSON.parse(row.message) as string,
    errors: row.errors,
    key: JSON.parse(row.key) as string | null,
    value: Buffer.from(row.value, 'base64'),
    headers: JSON.parse(row.headers) as Record<string, string>,
  };
}

/** Current versions of the letters in one state, by source position; optionally one code and failed since an instant. */
export function lettersQuery(state: LetterState, filter: LetterFilter = {}): SqlQuery {
  return {
    sql: `SELECT * FROM dead_letters FINAL
WHERE state = {state:String}
  AND ({code:String} = '' OR code = {code:String})
  AND failed_at >= {since:DateTime64(3, 'UTC')}
ORDER BY source_topic, source_partition, source_offset`,
    params: { state, code: filter.code ?? '', since: formatDateTime64(filter.since ?? new Date(0)) },
  };
}

/** Current letters of these source positions (to mark them), as rows. */
export function lettersAtQuery(topics: readonly string[], partitions: readonly number[], offsets: readonly string[]): SqlQuery {
  return {
    sql: `SELECT * FROM dead_letters FINAL
WHERE (source_topic, source_partition, source_offset) IN arrayZip({topics:Array(String)}, {partitions:Array(Int32)}, {offsets:Array(Int64)})`,
    params: { topics: [...topics], partitions: [...partitions], offsets: offsets.map((o) => BigInt(o)) },
  };
}

/** Letters per state: rows (state, n). */
export function letterCountsQuery(): SqlQuery {
  return { sql: 'SELECT state, toString(count()) AS n FROM dead_letters FINAL GROUP BY state' };
}

/** Highest dead-lettered offset + 1 per partition of one source topic. */
export function letterNextOffsetsQuery(topic: string): SqlQuery {
  return {
    sql: 'SELECT source_partition AS partition, toString(max(source_offset) + 1) AS next FROM dead_letters WHERE source_topic = {topic:String} GROUP BY source_partition',
    params: { topic },
  };
}
