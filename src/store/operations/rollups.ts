/**
 * The `rollups` operations of the analytics-store port: keeping the rollups
 * equal to raw events across crashes (issue #10, item 1). chDB writes
 * `usage_events` and each materialized view's rows as separate parts, so a
 * process killed between them leaves a rollup short of events the raw table
 * holds — and the client's retry is then a duplicate that never reaches the
 * rollup. The cure is a checkpoint written while running (every insert of
 * rows processed before it completed everywhere) and, at the next start, a
 * comparison of the buckets written since with raw events, whose exact
 * differences are inserted into the rollups. The contract only; the SQL is
 * in rollups-sql.ts and queries/rollup-repair.ts.
 */
import type { RollupGrain } from '../queries/grain.js';

/** What one rollup differed from raw by, over the buckets compared. */
export interface RollupDifference {
  /** The rollup table (src/store/queries/rollup-tables.ts: the full rollups and the narrow ones, the by-model ones with their latency histograms: src/store/queries/histogram-repair.ts). */
  readonly table: string;
  readonly grain: RollupGrain;
  /** `<shape>_<grain>`: the rollup, one grain of `table` (REPAIRED_ROLLUPS). */
  readonly id: string;
  /** Rollup keys (bucket and dimensions) whose sums differ. */
  readonly keys: number;
  /** Σ raw − rollup of `events`: positive when the rollup was short of events. */
  readonly events: bigint;
  /** Σ raw − rollup of `cost_total`, USD decimal text (`"0"` for the latency rollups, which hold no money). */
  readonly cost: string;
}

export interface RollupComparison {
  /** The buckets of raw rows processed since this instant were compared; null: every bucket. */
  readonly since: Date | null;
  /** No bucket before this (the raw retention horizon) was compared. */
  readonly horizon: Date;
  /** (tenant, UTC day) pairs a total or a fingerprint flagged, then compared key by key (counted once for the sum rollups and once for the latency rollups). */
  readonly flagged: number;
  readonly tables: readonly RollupDifference[];
  /** Wall time of the comparison (and repair), ms. */
  readonly ms: number;
}

export interface RollupCheckpoint {
  /** Every insert of rows processed before this instant has completed in every table. */
  readonly safeBefore: Date;
  /** Written when the writer stopped with nothing in flight and no failed insert: nothing to compare at the next start. */
  readonly clean: boolean;
  /** Which process wrote it (`tally start`, `tally processor`). */
  readonly writer: string;
  readonly writtenAt: Date;
}

export interface CompareOptions {
  /** Compare the buckets of raw rows processed at or after this instant; null: every bucket within retention. */
  readonly since: Date | null;
}

export interface RollupOperations {
  /** The differences between every rollup and raw events; writes nothing. */
  compare(options: CompareOptions): Promise<RollupComparison>;
  /** Compares, then inserts the difference rows into each rollup, which then equals raw to the femto-dollar. Run it while nothing writes. */
  repair(options: CompareOptions): Promise<RollupComparison>;
  /** Records how far the rollups are known to match raw; `final` when the writer stops (clean if nothing is in flight or failed). */
  checkpoint(writer: string, options?: { readonly final?: boolean }): Promise<RollupCheckpoint>;
  /** The newest checkpoint, or null when none was ever written (a new store, or one made before this existed). */
  lastCheckpoint(): Promise<RollupCheckpoint | null>;
}
