/**
 * Keeps the embedded store's rollups equal to its raw events across crashes
 * (issue #10, item 1), for the process that writes it (`tally start`, and
 * `tally processor` on chDB):
 *
 *   start  — unless the last run stopped cleanly, compare the rollups with
 *            raw events for the buckets of rows processed since the last
 *            checkpoint (less a margin for the clock), or every bucket when
 *            the store has no checkpoint yet (a store made before this
 *            existed), and insert the exact differences; then checkpoint;
 *   run    — checkpoint every few seconds;
 *   stop   — a final checkpoint, clean when nothing was in flight or failed.
 *
 * Call `guardRollups` before anything writes, and `stop` after the last
 * write and before the store closes. The repair must run alone: a write in
 * flight while it compares would be counted twice.
 */
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RollupComparison } from '../store/operations/rollups.js';
import type { AnalyticsStore } from '../store/types.js';

export interface RollupGuardOptions {
  /** Who writes (`tally start`, `tally processor`); recorded with each checkpoint. */
  readonly writer: string;
  /** Checkpoint interval, ms. Default 5,000. */
  readonly intervalMs?: number;
  /** Compare from this long before the last checkpoint (clock adjustments), ms. Default 120,000. */
  readonly marginMs?: number;
}

export interface RollupGuard {
  /** What the start-up repair found and inserted; null when the last run stopped cleanly. */
  readonly repaired: RollupComparison | null;
  /** Stops checkpointing and writes the final checkpoint. */
  stop(): Promise<void>;
}

function describe(c: RollupComparison): Record<string, unknown> {
  return {
    since: c.since?.toISOString() ?? 'all',
    ms: c.ms,
    ...Object.fromEntries(c.tables.map((t) => [t.id, { keys: t.keys, events: t.events.toString(), cost: t.cost }])),
  };
}

export async function guardRollups(store: AnalyticsStore, logger: Logger, options: RollupGuardOptions): Promise<RollupGuard> {
  const { writer } = options;
  const last = await store.rollups.lastCheckpoint();
  let repaired: RollupComparison | null = null;
  if (last === null || !last.clean) {
    const since = last === null ? null : new Date(last.safeBefore.getTime() - (options.marginMs ?? 120_000));
    repaired = await store.rollups.repair({ since });
    const changed = repaired.tables.some((t) => t.keys > 0);
    const fields = { writer, lastCheckpoint: last?.writtenAt.toISOString() ?? null, ...describe(repaired) };
    if (changed) logger.warn(fields, 'rollups repaired: they differed from raw events after an unclean stop');
    else logger.info(fields, 'rollups checked against raw events: equal');
  }
  await store.rollups.checkpoint(writer);
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    store.rollups.checkpoint(writer).catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'rollup checkpoint failed; the next start compares further back'));
  };
  const timer = setInterval(tick, options.intervalMs ?? 5_000);
  timer.unref();
  return {
    repaired,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      const mark = await store.rollups.checkpoint(writer, { final: true });
      if (!mark.clean) logger.warn({ safeBefore: mark.safeBefore.toISOString() }, 'stopped with store writes unfinished or failed: the next start compares the rollups with raw events');
    },
  };
}
