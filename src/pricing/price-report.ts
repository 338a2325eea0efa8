/**
 * What reading a price file did: entries read, imported and skipped (each
 * with its reason), how every price-carrying key was used, and the prices
 * finer than a femto-dollar (read exactly). `tally prices check FILE` prints
 * it; `tally price` names every skipped entry on stderr.
 */

export type SkipReason = 'no_price' | 'invalid_value' | 'unsupported_only' | 'duplicate' | 'no_provider' | 'alias_target_missing' | 'not_compiled';

export interface SkippedEntry {
  readonly entry: string;
  readonly reason: SkipReason;
  readonly detail: string;
}

/** mapped: priced; unsupported: a price tally cannot apply; informational: carries no price of its own; unknown: not in tally's table. */
export type FieldUse = 'mapped' | 'unsupported' | 'informational' | 'unknown';

export interface FieldReport {
  readonly key: string;
  readonly use: FieldUse;
  /** Entries that carry the key (with a non-null value). */
  readonly entries: number;
  /** What tally does with it, or why not. */
  readonly note: string;
}

export interface InexactPrice {
  readonly entry: string;
  readonly field: string;
  readonly text: string;
}

export interface PriceFileReport {
  readonly file: string;
  readonly format: 'tally' | 'litellm';
  /** Entries (LiteLLM) or models (tally) in the file. */
  readonly entries: number;
  /** Models imported. */
  readonly imported: number;
  /** LiteLLM alias_of rows that became aliases. */
  readonly aliases: number;
  readonly skipped: readonly SkippedEntry[];
  /** Every price-carrying key seen (LiteLLM), sorted by key. */
  readonly fields: readonly FieldReport[];
  /** Prices finer than a femto-dollar: read exactly, rounded once per class of each event. */
  readonly inexact: readonly InexactPrice[];
}

/** Whether a file's report says something was left out: a skipped entry, or a price tally cannot apply. */
export function anythingSkipped(report: PriceFileReport): boolean {
  return report.skipped.length > 0 || report.fields.some((f) => f.use === 'unsupported' || f.use === 'unknown');
}
