/**
 * Which inserts into usage_events are in flight, and since when: the rollup
 * checkpoint (operations/rollups-sql.ts) may only claim "every row processed
 * before T is in every rollup" for a T no unfinished insert's rows precede.
 * An insert registers the earliest `processed_at` of its rows before it
 * starts and leaves when it succeeded. One that failed stays, as suspect:
 * its raw part may have been written without every view's part (the retry
 * then finds the events stored and does not insert them again), so the
 * checkpoint stays before it until a repair at the next start compares
 * those buckets.
 */
export class WriteTracker {
  readonly #inFlight = new Map<number, number>();
  #suspect: number | null = null;
  #next = 0;
  #announced: Promise<void> | null = null;

  /**
   * @param announce Called once, before this process's first insert: records
   * that the rollups may stop matching raw if the process dies while writing
   * (an unclean checkpoint), so that a process that never checkpoints itself
   * (a CLI writing the embedded store) still gets its writes compared at the
   * next start.
   */
  constructor(private readonly announce?: () => Promise<void>) {}

  /** Resolves once the first-write announcement is stored (at once after the first time). */
  ready(): Promise<void> {
    if (this.announce === undefined) return Promise.resolve();
    this.#announced ??= this.announce().catch(() => {
      // A store without rollup_checkpoints (not migrated to 0005) cannot record it; the write goes on.
    });
    return this.#announced;
  }

  /** Registers an insert whose earliest row was processed at `processedAtMs`; call the returned function when it settled. */
  begin(processedAtMs: number): (ok: boolean) => void {
    const id = this.#next++;
    this.#inFlight.set(id, processedAtMs);
    return (ok) => {
      this.#inFlight.delete(id);
      if (!ok && (this.#suspect === null || processedAtMs < this.#suspect)) this.#suspect = processedAtMs;
    };
  }

  /** The latest instant every insert with rows processed before it has completed in every table: `nowMs`, or the earliest unfinished or failed insert. */
  safeBefore(nowMs: number): number {
    let safe = this.#suspect === null ? nowMs : Math.min(nowMs, this.#suspect);
    for (const at of this.#inFlight.values()) if (at < safe) safe = at;
    return safe;
  }

  /** Nothing in flight and no failed insert: the rollups match raw for everything this process wrote. */
  clean(): boolean {
    return this.#inFlight.size === 0 && this.#suspect === null;
  }
}
