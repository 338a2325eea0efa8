/** The `deadLetters` operations (dead-letters.ts) in SQL, over one executor. */
import {
  DEAD_LETTERS_TABLE, fromLetterRow, letterCountsQuery, letterNextOffsetsQuery, lettersAtQuery, lettersQuery, nextVersion, toLetterRow, type DeadLetterRow,
} from '../queries/dead-letters.js';
import type { SqlExecutor } from '../types.js';
import type { DeadLetterOperations, LetterState } from './dead-letters.js';

export function createDeadLetterOperations(sql: SqlExecutor): DeadLetterOperations {
  return {
    async write(letters) {
      if (letters.length === 0) return;
      await sql.insert(DEAD_LETTERS_TABLE, letters.map((l) => toLetterRow(l, 'pending')));
    },
    async pending(filter) {
      return (await sql.query<DeadLetterRow>(lettersQuery('pending', filter))).map(fromLetterRow);
    },
    async markReplayed(sources) {
      if (sources.length === 0) return;
      const rows = await sql.query<DeadLetterRow>(lettersAtQuery(sources.map((s) => s.topic), sources.map((s) => s.partition), sources.map((s) => s.offset)));
      const version = nextVersion();
      await sql.insert(DEAD_LETTERS_TABLE, rows.map((r) => ({ ...r, state: 'replayed', version: version.toString() })));
    },
    async counts() {
      const out: Record<LetterState, number> = { pending: 0, replayed: 0 };
      for (const r of await sql.query<{ state: LetterState; n: string }>(letterCountsQuery())) out[r.state] = Number(r.n);
      return out;
    },
    async nextOffsets(topic) {
      const rows = await sql.query<{ partition: number | string; next: string }>(letterNextOffsetsQuery(topic));
      return Object.fromEntries(rows.map((r) => [Number(r.partition), r.next]));
    },
  };
}
