/**
 * An event priced beyond what the store holds for one event (a catalog price
 * gone wrong) is dead-lettered by the processor with the reason, never sent
 * to the store to be refused or wrapped there (issue #10, item 2).
 */
import { describe, expect, it } from 'vitest';
import { createRecordPipeline } from '../../../src/pipeline/price-event.js';
import { pricingBeyondLimits } from '../../../src/pipeline/storable.js';
import { createPricer, loadCatalog, type Pricer } from '../../../src/pricing/index.js';
import { MAX_EVENT_COST } from '../../../src/events/cost.js';
import type { LogRecord } from '../../../src/eventlog/types.js';

const real = createPricer(loadCatalog());

/** The real pricer with every amount multiplied: what an absurd price in a catalog would produce. */
function inflated(factor: bigint): Pricer {
  return {
    catalog: real.catalog,
    resolver: real.resolver,
    price(input) {
      const r = real.price(input);
      const cost = Object.fromEntries(Object.entries(r.cost).map(([k, v]) => [k, v * factor])) as typeof r.cost;
      return { ...r, cost, total: r.total * factor, cache_savings: r.cache_savings * factor };
    },
  };
}

const record: LogRecord = {
  topic: 'usage.raw', partition: 0, offset: '7', key: 'acme', headers: {}, timestamp: Date.parse('2026-03-15T12:00:00Z'),
  value: Buffer.from(JSON.stringify({ tenant: 'acme', provider: 'anthropic', model: 'claude-3-opus', usage: { input_tokens: 1_000_000, output_tokens: 1_000_000 } })),
};

describe('amounts beyond one event', () => {
  it('the processor dead-letters an event priced above the per-event maximum, naming the amount', () => {
    const ok = createRecordPipeline({ pricer: real }).process(record);
    expect(ok.ok).toBe(true);
    // $90 × 10^8 = $9e9, more than $1e9.
    const out = createRecordPipeline({ pricer: inflated(100_000_000n) }).process(record);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.rejection.code).toBe('MONEY_INVALID');
    expect(out.rejection.errors).toEqual([{ path: 'usage', reason: expect.stringMatching(/^is priced at 9000000000 USD, more than the 1000000000 USD one event may cost/) }]);
  });

  it('accepts exactly the maximum', () => {
    const ok = createRecordPipeline({ pricer: real }).process(record);
    if (!ok.ok) throw new Error('expected a priced event');
    expect(pricingBeyondLimits({ ...ok.priced.pricing, total: MAX_EVENT_COST })).toBeNull();
    expect(pricingBeyondLimits({ ...ok.priced.pricing, total: MAX_EVENT_COST + 1n })).not.toBeNull();
  });
});
