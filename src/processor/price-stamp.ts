/**
 * Stamps every priced event with what its customer is billed (issue 16): the
 * record pipeline, followed by the price books in force. The set is read once
 * per record from the source (a field read; the source swaps it when a book
 * changes), so a change applies from the next record on; which rules apply is
 * decided by the event's occurred_at (src/pricing/price-book.ts).
 */
import { parseRfc3339 } from '../core/time.js';
import type { RecordPipeline } from '../pipeline/types.js';
import type { PriceBookSource } from '../pricing/price-books.js';

export function withPriceBooks(pipeline: RecordPipeline, books: PriceBookSource): RecordPipeline {
  return {
    process(record) {
      const outcome = pipeline.process(record);
      if (!outcome.ok) return outcome;
      const set = books.current();
      if (set.size === 0) return outcome;
      const { event, usage, pricing } = outcome.priced;
      const price = set.price(event.tenant, event.user_id ?? '', {
        occurredAtMs: parseRfc3339(event.occurred_at) ?? Date.parse(event.occurred_at),
        provider: event.provider ?? null,
        model: event.model,
        modelKey: pricing.model_key,
        usage,
        cost: pricing.cost,
        costTotal: pricing.total,
        costSource: pricing.cost_source,
        priced: pricing.priced,
      });
      // A literal rather than a spread: this runs for every record.
      return price === null ? outcome : { ok: true, priced: { event, usage, pricing, source: outcome.priced.source, price } };
    },
  };
}
