/** The `rollups` operations (rollups.ts) in SQL, over one executor and the store's tracker of in-flight inserts. */
import { randomUUID } from 'node:crypto';
import { formatUsd, parseUsd } from '../../core/money.js';
import { formatDateTime64, parseDateTime64 } from '../../core/time.js';
import { ROLLUPS } from '../queries/rollup-tables.js';
import { lastCheckpointQuery, rawRetentionMonths, rollupDifferenceQuery, rollupMismatchQuery } from '../queries/rollup-repair.js';
import type { SqlExecutor } from '../types.js';
import type { WriteTracker } from '../write-tracker.js';
import type { CompareOptions, RollupCheckpoint, RollupComparison, RollupDifference, RollupOperations } from './rollups.js';

export const ROLLUP_CHECKPOINTS_TABLE = 'rollup_checkpoints';
const DAY_MS = 86_400_000;

type DifferenceRow = Record<string, unknown> & { events: string; cost_total: string };
type MismatchRow = { tenant: string; day: string } & Record<`d_${string}`, boolean | number | undefined>;

const flag = (v: boolean | number | undefined): boolean => v === true || v === 1;

/**
 * The first UTC day whose buckets raw events certainly still hold: TTL drops
 * a part only when all its rows are past `months`, so every row younger than
 * that is there; a day's margin on top, rounded up to midnight.
 */
export function retentionHorizon(nowMs: number, months: number | null): Date {
  if (months === null) return new Date(0);
  const d = new Date(nowMs);
  const edge = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, d.getUTCDate()) + 2 * DAY_MS;
  return new Date(Math.max(0, edge));
}

/** An unclean checkpoint at now, written before a process's first write to the embedded store (see WriteTracker). */
export async function markUnchecked(sql: SqlExecutor): Promise<void> {
  const now = formatDateTime64(new Date());
  await sql.insert(ROLLUP_CHECKPOINTS_TABLE, [{ writer: 'first write', safe_before: now, clean: false, written_at: now }]);
}

export function createRollupOperations(sql: SqlExecutor, tracker: WriteTracker): RollupOperations {
  async function run(options: CompareOptions, write: boolean): Promise<RollupComparison> {
    const t0 = Date.now();
    const horizon = retentionHorizon(t0, await rawRetentionMonths(sql));
    const flagged = await sql.query<MismatchRow>(rollupMismatchQuery({ since: options.since, horizon }));
    const tables: RollupDifference[] = [];
    for (const table of ROLLUPS) {
      let keys = 0;
      let events = 0n;
      let cost = 0n;
      // One key-by-key comparison per flagged day, over the tenants flagged that day.
      const days = new Map<string, string[]>();
      for (const f of flagged) if (flag(f[`d_${table.id}`])) days.set(f.day, [...(days.get(f.day) ?? []), f.tenant]);
      for (const [day, tenants] of days) {
        const rows = await sql.query<DifferenceRow>(rollupDifferenceQuery(table, { tenants, day, since: options.since, horizon }));
        if (rows.length === 0) continue;
        // A token of its own: a repair block must never be taken for a retried insert of another block.
        if (write) await sql.insert(table.name, rows, { deduplicationToken: `tally-repair-${table.id}-${randomUUID()}` });
        keys += rows.length;
        for (const r of rows) {
          events += BigInt(r.events);
          cost += parseUsd(r.cost_total);
        }
      }
      tables.push({ table: table.name, grain: table.grain, id: table.id, keys, events, cost: formatUsd(cost) });
    }
    return { since: options.since, horizon, flagged: flagged.length, tables, ms: Date.now() - t0 };
  }

  return {
    compare: (options) => run(options, false),
    repair: (options) => run(options, true),
    async checkpoint(writer, options = {}) {
      const now = Date.now();
      const mark: RollupCheckpoint = { safeBefore: new Date(tracker.safeBefore(now)), clean: options.final === true && tracker.clean(), writer, writtenAt: new Date(now) };
      await sql.insert(ROLLUP_CHECKPOINTS_TABLE, [
        { writer, safe_before: formatDateTime64(mark.safeBefore), clean: mark.clean, written_at: formatDateTime64(mark.writtenAt) },
      ]);
      return mark;
    },
    async lastCheckpoint() {
      const [row] = await sql.query<{ last_safe_before: string; last_clean: boolean | number; last_writer: string; last_written_at: string }>(lastCheckpointQuery());
      if (row === undefined) return null;
      return {
        safeBefore: new Date(parseDateTime64(row.last_safe_before) ?? 0),
        clean: row.last_clean === true || row.last_clean === 1,
        writer: row.last_writer,
        writtenAt: new Date(parseDateTime64(row.last_written_at) ?? 0),
      };
    },
  };
}
