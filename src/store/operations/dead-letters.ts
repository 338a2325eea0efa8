/**
 * The `deadLetters` operations of the analytics-store port: the dead-letter
 * queue of the embedded mode, which has no Kafka to keep it (issue #10,
 * item 2). A letter is the original record — key, value bytes, headers
 * (the reason among them) — and where it came from; one per source record.
 * The contract only; the SQL is in dead-letters-sql.ts.
 */

/** Where a dead letter's record was read from. */
export interface LetterSource {
  readonly topic: string;
  readonly partition: number;
  /** Decimal text. */
  readonly offset: string;
}

export interface DeadLetter {
  readonly source: LetterSource;
  readonly failedAt: Date;
  /** The rejection code (VALIDATION_FAILED, USAGE_INVALID, STORE_QUERY_FAILED, …). */
  readonly code: string;
  readonly message: string;
  /** The field errors, JSON text as the DLQ header carries them. */
  readonly errors: string;
  readonly key: string | null;
  readonly value: Buffer;
  /** Every header of the dead-letter record (the original ones and the reason). */
  readonly headers: Readonly<Record<string, string>>;
}

/** `pending`: waiting for a replay; `replayed`: re-processed and stored (or found stored). */
export type LetterState = 'pending' | 'replayed';

export interface LetterFilter {
  /** Only letters with this code. */
  readonly code?: string;
  /** Only letters that failed at or after this instant. */
  readonly since?: Date;
}

export interface DeadLetterOperations {
  /** Keeps letters (again: the newest write of a source record wins); resolves when stored. */
  write(letters: readonly DeadLetter[]): Promise<void>;
  /** Pending letters, by source position. */
  pending(filter?: LetterFilter): Promise<DeadLetter[]>;
  /** Marks letters as replayed. */
  markReplayed(sources: readonly LetterSource[]): Promise<void>;
  /** Letters by state. */
  counts(): Promise<Record<LetterState, number>>;
  /** Highest dead-lettered source offset + 1 per partition of a topic (decimal text), like `events.nextOffsets`. */
  nextOffsets(topic: string): Promise<Record<number, string>>;
}
