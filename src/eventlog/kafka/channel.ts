/**
 * A one-reader hand-off with backpressure: `push` resolves when the reader
 * took the item, so a producer (a kafkajs batch callback) never runs ahead of
 * the consumer of an async iterable.
 */
export class Channel<T> {
  private readonly queue: { item: T; taken: () => void }[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private failure: { error: unknown } | undefined;

  /** Resolves when the reader is done with `item` (asked for the next one), or at once when the channel is closed. */
  push(item: T): Promise<void> {
    if (this.closed || this.failure) return Promise.resolve();
    return new Promise((taken) => {
      this.queue.push({ item, taken });
      this.signal();
    });
  }

  /** No more items: the reader ends after the queued ones. */
  close(): void {
    this.closed = true;
    this.signal();
  }

  /** The reader throws `error` after the queued items. */
  fail(error: unknown): void {
    if (!this.failure) this.failure = { error };
    this.signal();
  }

  /** Releases pending pushers (the reader went away). */
  drop(): void {
    this.closed = true;
    for (const entry of this.queue.splice(0)) entry.taken();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const entry = this.queue.shift();
      if (entry) {
        try {
          yield entry.item;
        } finally {
          entry.taken();
        }
        continue;
      }
      if (this.failure) throw this.failure.error;
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
