/**
 * Per-stage CPU of the processor (issue #12, item 2), part of
 * `npm run bench -- pipeline`: the stages of one record, each run over the
 * same sample of demo records (random ids) in this process, CPU time per
 * event, median of alternating rounds — of the main thread for the stages
 * that are JavaScript on it (decode to encode_billed), of every thread
 * (process.cpuUsage, so the chDB engine's work counts) for insert, dedupe
 * and lookup:
 *
 *   decode      JSON.parse of the record value (the part of parse that is not the contract)
 *   validate    parseEvent − decode: envelope detection, repeated keys, the zod contract
 *   normalize   stamp + normalize (acceptEvent)
 *   price       priceAccepted
 *   bill        the processor's price-book stamp (processor/price-stamp.ts) with a book for
 *               every demo tenant (markup, a family contract price, fee, minimum): issue 16
 *   encode      the RowBinary bytes of the rows (encodeUsageEvents), as the store sink sends them (no book: price 0)
 *   encode_billed  the same for the billed events (the 17 price columns carry values)
 *   insert      the chDB insert of those bytes (insertRowBinary: usage_events, its projection and the rollup views)
 *   dedupe      the sink's per-batch work: read the high offset, record it (2 tiny queries), window checks and adds
 *   lookup      what 0.1's per-batch lookup of every id cost on top (storedPositionsQuery), empty store
 *
 * and the insert's CPU per event for inserts of 1,000, 5,000 and 20,000 rows.
 * What a drain run costs beyond the stages' sum is kafkajs (fetch, decode,
 * commit), the batch loop and the engine's background merges; the pipeline
 * bench reports it as `fetch_commit_and_rest` from the 1-partition drain.
 */
import { acceptEvent, priceAccepted } from '../src/pipeline/price-event.js';
import { parseEvent } from '../src/events/parse.js';
import { demoEvents } from '../src/demo/traffic.js';
import { loadConfig } from '../src/config/load.js';
import { buildPricer } from '../src/runtime/adapters.js';
import { timeWindowOf } from '../src/runtime/time-window.js';
import type { PricedEvent } from '../src/pipeline/types.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { EVENT_ROW_COLUMNS } from '../src/store/event-row.js';
import { encodeUsageEvents } from '../src/store/rowbinary/usage-events.js';
import { createWindowedStoreSink } from '../src/processor/windowed-store-sink.js';
import { randomUUID } from 'node:crypto';
import { parsePriceBook } from '../src/pricing/price-book-schema.js';
import { PriceBookSet, staticPriceBooks } from '../src/pricing/price-books.js';
import { createModelFamilies } from '../src/pricing/families.js';
import { withPriceBooks } from '../src/processor/price-stamp.js';
import type { RawRecord } from '../src/pipeline/types.js';
import { fmt } from './results.js';
import { median, processCpuUs, threadCpuUs } from './cpu-time.js';

export type StageName = 'decode' | 'validate' | 'normalize' | 'price' | 'bill' | 'encode' | 'encode_billed' | 'insert' | 'dedupe' | 'lookup';

/** A price book for every demo tenant: what `bill` prices with. */
export function benchPriceBooks(pricer: ReturnType<typeof buildPricer>): PriceBookSet {
  const book = parsePriceBook({
    rules: [
      { kind: 'markup', percent: '12.5', effective_from: '2020-01-01T00:00:00Z' },
      { kind: 'markup', percent: '30', effective_from: '2020-01-01T00:00:00Z', match: { provider: 'anthropic' } },
      { kind: 'contract', effective_from: '2020-01-01T00:00:00Z', match: { family: 'gpt-4o-mini' }, per_million: { input: '0.2', output: '0.8', cached_input: '0.1' } },
      { kind: 'request_fee', amount: '0.0001', effective_from: '2020-01-01T00:00:00Z' },
      { kind: 'minimum', amount: '0.0002', effective_from: '2020-01-01T00:00:00Z' },
    ],
  });
  return new PriceBookSet(['acme', 'globex', 'initech'].map((tenant, i) => ({ tenant, user: '', version: String(i + 1), book })), '3', { families: createModelFamilies(pricer.catalog, pricer.resolver) });
}

/** `n` demo events, priced, with random ids and occurred_at a second ago (tenants acme, globex, initech). */
export function pricedSample(n: number, seed = 11): PricedEvent[] {
  const config = loadConfig({ env: {}, overrides: {} });
  const pricer = buildPricer(config);
  const timeWindow = timeWindowOf(config);
  const gen = demoEvents({ seed });
  const now = Date.now();
  const out: PricedEvent[] = [];
  while (out.length < n) {
    const e = gen.next().value as Record<string, unknown>;
    const p = parseEvent(Buffer.from(JSON.stringify({ ...e, event_id: randomUUID(), occurred_at: new Date(now - 1000).toISOString() })));
    if (!p.ok) continue;
    const a = acceptEvent(p.event, p.envelope, { receivedAt: new Date(now), timeWindow });
    if (a.ok) out.push(priceAccepted(pricer, a.event, a.usage, { topic: 'bench.raw', partition: 0, offset: String(out.length) }));
  }
  return out;
}

/** CPU µs per event of each stage, over `n` records per round, `batch` events per insert. */
export interface StageFigures {
  readonly stages: Record<StageName, number>;
  /** Insert CPU per event (encoding excluded) by rows per insert. */
  readonly insert_by_size: Record<string, number>;
}

export async function stageCosts(open: (name: string) => Promise<AnalyticsStore>, n = 20_000, batch = 5_000, rounds = 3): Promise<StageFigures> {
  const config = loadConfig({ env: {}, overrides: {} });
  const pricer = buildPricer(config);
  const timeWindow = timeWindowOf(config);
  const gen = demoEvents({ seed: 7 });
  const now = Date.now();
  const values: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const e = gen.next().value as Record<string, unknown>;
    values.push(Buffer.from(JSON.stringify({ ...e, event_id: randomUUID(), occurred_at: new Date(now - 1000).toISOString() })));
  }
  const insertBySize: Record<number, number[]> = {};
  const samples: Record<StageName, number[]> = { decode: [], validate: [], normalize: [], price: [], bill: [], encode: [], encode_billed: [], insert: [], dedupe: [], lookup: [] };
  const books = staticPriceBooks(benchPriceBooks(pricer));
  const noRecord = {} as RawRecord;
  for (let round = 0; round < rounds; round++) {
    const store = await open(`stages_${round}`);
    const receivedAt = new Date(now);
    samples.decode.push(threadCpuUs(() => {
      for (const v of values) JSON.parse(v.toString());
    }) / n);
    const parsed: Extract<ReturnType<typeof parseEvent>, { ok: true }>[] = [];
    const parseUs = threadCpuUs(() => {
      for (const v of values) {
        const p = parseEvent(v);
        if (p.ok) parsed.push(p);
      }
    });
    samples.validate.push(parseUs / n - (samples.decode.at(-1) ?? 0));
    const accepted: Extract<ReturnType<typeof acceptEvent>, { ok: true }>[] = [];
    samples.normalize.push(threadCpuUs(() => {
      for (const p of parsed) {
        const a = acceptEvent(p.event, p.envelope, { receivedAt, timeWindow });
        if (a.ok) accepted.push(a);
      }
    }) / n);
    const priced: PricedEvent[] = [];
    samples.price.push(threadCpuUs(() => {
      let offset = 0;
      for (const a of accepted) priced.push(priceAccepted(pricer, a.event, a.usage, { topic: 'bench.raw', partition: 0, offset: String(offset++) }));
    }) / n);
    // The stamp as the processor runs it: a pipeline whose records are already priced, then the books.
    let next = 0;
    const stamp = withPriceBooks({ process: () => ({ ok: true, priced: priced[next++] as PricedEvent }) }, books);
    const billed: PricedEvent[] = [];
    samples.bill.push(threadCpuUs(() => {
      for (let i = 0; i < priced.length; i++) {
        const o = stamp.process(noRecord);
        if (o.ok) billed.push(o.priced);
      }
    }) / n);
    if (billed.some((p) => !p.price || p.price.total <= 0n)) throw new Error('bench: an event was not billed');
    const processedAtMs = Date.now();
    samples.encode_billed.push(threadCpuUs(() => {
      for (let i = 0; i < billed.length; i += batch) encodeUsageEvents(billed.slice(i, i + batch), { processedAtMs });
    }) / n);
    const bodies: { data: Buffer; events: PricedEvent[] }[] = [];
    samples.encode.push(threadCpuUs(() => {
      for (let i = 0; i < priced.length; i += batch) {
        const events = priced.slice(i, i + batch);
        bodies.push({ data: encodeUsageEvents(events, { processedAtMs }), events });
      }
    }) / n);
    const encodeUs = samples.encode.at(-1) ?? 0;
    samples.insert.push((await processCpuUs(async () => {
      for (const b of bodies.slice(0, bodies.length / 2)) await store.sql.insertRowBinary('usage_events', EVENT_ROW_COLUMNS, b.data);
    })) / (n / 2));
    // The second half through the dedupe sink (its own insert included): minus insert and encode = the dedupe.
    const sink = createWindowedStoreSink(store, { windowMs: 600_000 });
    const second = bodies.slice(bodies.length / 2);
    const sinkUs = (await processCpuUs(async () => {
      for (const b of second) await sink.write(b.events);
    })) / (n / 2);
    samples.dedupe.push(sinkUs - (samples.insert.at(-1) ?? 0) - encodeUs);
    // 0.1's dedupe: the lookup of every id, on a store of n events (the same events again, new ids would not matter).
    const lookupUs = (await processCpuUs(async () => {
      for (const b of second) await store.events.exists(b.events.map((p) => ({ tenant: p.event.tenant, event_id: `${p.event.event_id}x`, occurred_at: p.event.occurred_at })));
    })) / (n / 2);
    samples.lookup.push(lookupUs);
    // Insert size: the same rows in inserts of 1,000, 5,000 and 20,000 (rotating the order per round).
    const all = bodies.flatMap((b) => b.events);
    const sizes = [1_000, 5_000, 20_000];
    for (let k = 0; k < sizes.length; k++) {
      const size = sizes[(k + round) % sizes.length] as number;
      const chunks: Buffer[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(encodeUsageEvents(all.slice(i, i + size), { processedAtMs }));
      const us = await processCpuUs(async () => {
        for (const data of chunks) await store.sql.insertRowBinary('usage_events', EVENT_ROW_COLUMNS, data);
      });
      (insertBySize[size] ??= []).push(us / all.length);
    }
    await store.close();
  }
  const bySize = Object.fromEntries(Object.entries(insertBySize).map(([k, v]) => [`rows_${k}`, Math.round(median(v) * 10) / 10]));
  console.log(`  insert CPU by insert size, µs/event (encoding excluded): ${Object.entries(bySize).map(([k, v]) => `${k.slice(5)} rows ${v}`).join(', ')}`);
  const out = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round(median(v) * 10) / 10])) as Record<StageName, number>;
  console.log(`  per-stage CPU, µs/event (${fmt(n)} demo records, inserts of ${fmt(batch)}, median of ${rounds} rounds):`);
  for (const [k, v] of Object.entries(out)) console.log(`      ${k.padEnd(13)} ${v.toFixed(1)}`);
  console.log(`  price books (issue 16): price + bill ${(out.price + out.bill).toFixed(1)} µs vs price ${out.price.toFixed(1)} µs (× ${((out.price + out.bill) / out.price).toFixed(2)}); encode with prices × ${(out.encode_billed / out.encode).toFixed(2)}; per record, decode → encode: × ${((out.decode + out.validate + out.normalize + out.price + out.bill + out.encode_billed) / (out.decode + out.validate + out.normalize + out.price + out.encode)).toFixed(3)}`);
  return { stages: out, insert_by_size: bySize };
}
