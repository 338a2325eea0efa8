/**
 * Where an engine gets its active budget set, and how a change reaches every
 * process within a second: each process polls the repository's cheap
 * `version()` (default every 500 ms) and reloads the full state only when it
 * moved; an optional change feed (e.g. Redis pub/sub) triggers the reload at
 * once. An apply refused for a stale set (the counters saw a newer version)
 * forces a reload too.
 */
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { BudgetSet, type BudgetSetOptions, type BudgetState } from './catalog.js';

export interface BudgetSource {
  /** The set in force now. */
  current(): BudgetSet;
  /** Reloads now and returns the new set. */
  refresh(): Promise<BudgetSet>;
}

/** A fixed set (tests, `tally price`). */
export class StaticBudgetSource implements BudgetSource {
  private set: BudgetSet;

  constructor(state: BudgetState | BudgetSet, private readonly options: BudgetSetOptions = {}) {
    this.set = state instanceof BudgetSet ? state : new BudgetSet(state, options);
  }

  current(): BudgetSet {
    return this.set;
  }

  /** Replaces the set (tests). */
  replace(state: BudgetState): void {
    this.set = new BudgetSet(state, this.options);
  }

  async refresh(): Promise<BudgetSet> {
    return this.set;
  }
}

/** What the watcher needs from a repository. */
export interface BudgetStateReader {
  /** Cheap: changes whenever anything changes. */
  version(): Promise<string>;
  state(): Promise<BudgetState>;
}

/** Something that announces changes (Redis pub/sub, an in-process emitter). */
export interface ChangeFeed {
  subscribe(listener: () => void): Promise<() => Promise<void>>;
}

export interface WatchedSourceOptions extends BudgetSetOptions {
  /** Poll interval of `version()`. Default 500 ms. */
  readonly pollMs?: number;
  readonly feed?: ChangeFeed;
  /** After an announced change failed to load, load again after this long (ms) rather than at the next poll. Default 1,000. */
  readonly retryMs?: number;
  readonly logger?: Logger;
  /** Called with each newly loaded set. */
  readonly onChange?: (set: BudgetSet) => void;
}

export class WatchedBudgetSource implements BudgetSource {
  private set: BudgetSet = BudgetSet.empty();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  private loading: Promise<BudgetSet> | null = null;
  private again: Promise<BudgetSet> | null = null;
  private readonly log: Logger;

  constructor(private readonly reader: BudgetStateReader, private readonly options: WatchedSourceOptions = {}) {
    this.log = options.logger ?? silentLogger();
  }

  /** Loads the state and starts watching. */
  async start(): Promise<BudgetSet> {
    await this.refresh();
    const poll = this.options.pollMs ?? 500;
    this.timer = setInterval(() => void this.poll(), poll);
    this.timer.unref();
    if (this.options.feed) this.unsubscribe = await this.options.feed.subscribe(() => this.announced());
    return this.set;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.unsubscribe) await this.unsubscribe();
    this.unsubscribe = null;
  }

  current(): BudgetSet {
    return this.set;
  }

  /** A change was announced: load it; a failed load is tried again soon (the announcement is not repeated). */
  private announced(): void {
    this.refresh().catch((err: unknown) => {
      this.log.warn({ err: errorMessage(err) }, 'loading announced budget change failed; trying again');
      if (this.timer === null) return;
      setTimeout(() => this.announced(), this.options.retryMs ?? 1_000).unref();
    });
  }

  private async poll(): Promise<void> {
    try {
      const v = await this.reader.version();
      if (v !== this.set.version) await this.refresh();
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'budget version poll failed; keeping the current budgets');
    }
  }

  /**
   * Reloads the budgets. A call while a load is in flight may come from a
   * change made after that load read the state, so it loads once more after it
   * (one follow-up however many calls arrive meanwhile).
   */
  refresh(): Promise<BudgetSet> {
    if (this.loading) {
      this.again ??= this.loading
        .catch(() => undefined)
        .then(() => {
          this.again = null;
          return this.refresh();
        });
      return this.again;
    }
    this.loading = this.reader
      .state()
      .then((state) => {
        if (state.version !== this.set.version) {
          this.set = new BudgetSet(state, this.options);
          this.options.onChange?.(this.set);
        }
        return this.set;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
