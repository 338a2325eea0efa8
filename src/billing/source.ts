/**
 * The price books a processor prices with, kept current: the repository's
 * cheap change marker is polled (default every 500 ms, like budgets) and the
 * books are reloaded and compiled only when it moved. Events are priced by
 * the set in force when their batch is processed; a failed poll keeps the
 * current set (and says so in the log).
 */
import { errorMessage } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { CompileOptions } from '../pricing/price-book.js';
import { PriceBookSet, type PriceBookSource } from '../pricing/price-books.js';
import type { PriceBookRepository } from './repository.js';

export interface WatchedPriceBooksOptions extends CompileOptions {
  readonly pollMs?: number;
  readonly logger?: Logger;
}

export class WatchedPriceBooks implements PriceBookSource {
  #set: PriceBookSet = PriceBookSet.empty();
  #timer: NodeJS.Timeout | null = null;
  #loading: Promise<PriceBookSet> | null = null;
  readonly #log: Logger;

  constructor(
    private readonly repository: Pick<PriceBookRepository, 'version' | 'set'>,
    private readonly options: WatchedPriceBooksOptions = {},
  ) {
    this.#log = options.logger ?? silentLogger();
  }

  /** Loads the books and starts watching. */
  async start(): Promise<PriceBookSet> {
    await this.refresh();
    this.#timer = setInterval(() => void this.#poll(), this.options.pollMs ?? 500);
    this.#timer.unref();
    return this.#set;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  current(): PriceBookSet {
    return this.#set;
  }

  async #poll(): Promise<void> {
    try {
      if ((await this.repository.version()) !== this.#set.marker) await this.refresh();
    } catch (err) {
      this.#log.warn({ err: errorMessage(err) }, 'price-book version poll failed; keeping the current price books');
    }
  }

  /** Reloads now (one load at a time; a call during a load waits for it and loads again). */
  async refresh(): Promise<PriceBookSet> {
    while (this.#loading) await this.#loading.catch(() => undefined);
    this.#loading = this.repository.set(this.options);
    try {
      this.#set = await this.#loading;
      return this.#set;
    } finally {
      this.#loading = null;
    }
  }
}
