/**
 * `npm run bench -- pricing [--seconds N]`: throughput of the per-event work
 * on a realistic mix of provider payloads (OpenAI chat and Responses,
 * Anthropic with cache writes and reads, Gemini with thoughts, Bedrock
 * Converse, unknown models), in one process:
 *   - validate + normalize + price: JSON text → parsed, validated, stamped,
 *     normalized and priced event (what the processor does per record);
 *   - normalize + price: already-parsed events → canonical usage → price.
 * Each is run in rounds of ~1 s; the median round is reported.
 */
import { demoEvents } from '../src/demo/traffic.js';
import { parseEvent } from '../src/events/parse.js';
import { normalizeUsage } from '../src/normalize/index.js';
import { acceptInput, priceAccepted } from '../src/pipeline/price-event.js';
import { createPricer, loadCatalog } from '../src/pricing/index.js';
import type { UsageEvent } from '../src/events/schema.js';
import { fmt, writeResult } from './results.js';

const SAMPLE = 20_000;

function rounds(label: string, seconds: number, perRound: () => number): number {
  const rates: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const t0 = process.hrtime.bigint();
    const n = perRound();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(n / secs);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  console.log(`  ${label.padEnd(34)} ${fmt(median).padStart(12)} events/s  (median of ${rates.length} rounds; min ${fmt(rates[0] ?? 0)}, max ${fmt(rates[rates.length - 1] ?? 0)})`);
  return Math.round(median);
}

export async function runPricingBench(args: readonly string[]): Promise<void> {
  const seconds = Number(args[args.indexOf('--seconds') + 1] ?? '') || 8;
  const pricer = createPricer(loadCatalog());
  const gen = demoEvents({ seed: 1 });
  const texts: string[] = [];
  for (let i = 0; i < SAMPLE; i++) texts.push(JSON.stringify(gen.next().value));
  const parsed: UsageEvent[] = texts.map((t) => {
    const p = parseEvent(t);
    if (!p.ok) throw new Error(p.rejection.message);
    return p.event;
  });
  const now = new Date();
  const shapes = new Map<string, number>();
  for (const e of parsed) {
    const n = normalizeUsage(e);
    if (n.ok) shapes.set(n.usage.shape, (shapes.get(n.usage.shape) ?? 0) + 1);
  }
  console.log(`pricing benchmark: ${fmt(SAMPLE)} events, shapes ${[...shapes].map(([s, n]) => `${s} ${Math.round((n / SAMPLE) * 100)}%`).join(', ')}; ${seconds}s per measure`);

  let sink = 0n;
  const full = rounds('validate + normalize + price', seconds, () => {
    for (const text of texts) {
      const a = acceptInput(text, { receivedAt: now });
      if (a.ok) sink += priceAccepted(pricer, a.event, a.usage, null).pricing.total;
    }
    return texts.length;
  });
  const core = rounds('normalize + price', seconds, () => {
    for (const e of parsed) {
      const n = normalizeUsage(e);
      if (n.ok) sink += pricer.price({ provider: e.provider, model: e.model, occurredAt: now, usage: n.usage }).total;
    }
    return parsed.length;
  });
  if (sink < 0n) console.log('impossible');
  const file = writeResult({
    benchmark: 'pricing',
    conditions: { events: SAMPLE, secondsPerMeasure: seconds, mix: Object.fromEntries(shapes), process: 'one Node.js process, one thread' },
    figures: { validateNormalizePrice_eventsPerSecond: full, normalizePrice_eventsPerSecond: core },
  });
  console.log(`written to ${file}`);
}
