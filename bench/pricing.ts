/**
 * `npm run bench -- pricing [--seconds N] [--baseline REF|none]`: throughput
 * of the per-event work on a realistic mix of provider payloads (OpenAI chat
 * and Responses, Anthropic with cache writes and reads, Gemini with thoughts,
 * Bedrock Converse, unknown models), in one process:
 *   - by stage, this checkout against a baseline commit (default
 *     BASELINE_REF, the hot path before issue 12's per-event work) in
 *     alternating rounds: decode, validate, normalize, price, bill — CPU µs
 *     per event, events per CPU-second of validate + normalize + price, and
 *     the ratios (bench/pricing-stages.ts); validate + normalize + price
 *     also on the main thread alone (the rest is V8's collector on its
 *     helper threads);
 *   - validate + normalize + price: JSON text → parsed, validated, stamped,
 *     normalized and priced event (what the processor does per record);
 *   - the same for events as the processor reads them (stamped by the
 *     ingest: id and received_at set), and JSON decoding alone, so the work
 *     beyond `JSON.parse` is reported on its own;
 *   - normalize + price: already-parsed events → canonical usage → price.
 *   - price only, whole-femto vs exact path (issue #11): the same normalized
 *     usages priced with the built-in catalog (every rate a whole number of
 *     femto-USD: one multiplication per class) and with a copy whose every
 *     per-million price carries a 2 × 10⁻²² tail (so no rate is whole: every
 *     class goes through the exact path, rounded once, half to even). The two
 *     run in alternating rounds in this process; the ratio of CPU per event
 *     is what the exact path costs.
 * Each is run in rounds of ~1 s; the median round's events per CPU-second
 * of this process (user + system) is reported: the machine is shared, so
 * wall time would measure the neighbours too.
 */
import { demoEvents } from '../src/demo/traffic.js';
import { parseEvent } from '../src/events/parse.js';
import { normalizeUsage } from '../src/normalize/index.js';
import { acceptInput, priceAccepted } from '../src/pipeline/price-event.js';
import { buildCatalog, builtinSources, createPricer, loadCatalog, type CatalogSource, type Pricer } from '../src/pricing/index.js';
import type { NormalizedUsage } from '../src/normalize/types.js';
import type { UsageEvent } from '../src/events/schema.js';
import { fmt, writeResult } from './results.js';
import { alternate, checkoutOf, loadSide, sampleRecords, STAGES, type StageRound, type StageSide } from './pricing-stages.js';
import { loadavg } from 'node:os';

/** The commit the stage figures are compared with: main before the hot-path work of issue 12, item 2. */
export const BASELINE_REF = '9f0b42a';

const load = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);
const r2 = (x: number): number => Math.round(x * 100) / 100;
/** validate + normalize + price: what issue 12 sets at ≥ 400,000 events per CPU-second (JSON decode apart). */
const core = (s: StageRound): number => s.validate + s.normalize + s.price;

/** The stage A/B: medians by stage for each side, printed with ratios. */
async function stageFigures(seconds: number, baseline: string | null): Promise<Record<string, unknown>> {
  const records = await sampleRecords('.', SAMPLE);
  const loadBefore = load();
  const base = baseline === null ? null : checkoutOf(baseline);
  try {
    const sides: StageSide[] = [await loadSide('this checkout', '.', records)];
    if (base) sides.push(await loadSide(`baseline ${baseline ?? ''}`, base.root, records));
    const { medians, rounds } = alternate(sides, seconds * 2);
    const [now, before] = medians as [StageRound, StageRound | undefined];
    const row = (label: string, a: number, b: number | undefined): string =>
      `  ${label.padEnd(34)} ${b === undefined ? '' : b.toFixed(2).padStart(8)} ${a.toFixed(2).padStart(8)}${b === undefined ? '' : `   × ${(a / b).toFixed(2)}`}`;
    console.log(`  by stage, CPU µs per event (median of ${rounds} alternating rounds; load ${loadBefore.join(' ')} → ${load().join(' ')}):`);
    console.log(`  ${''.padEnd(34)} ${before ? 'baseline'.padStart(8) : ''} ${'now'.padStart(8)}`);
    for (const k of STAGES) console.log(row(k, now[k], before?.[k]));
    console.log(row('validate + normalize + price', core(now), before && core(before)));
    console.log(row('  … + bill', core(now) + now.bill, before && core(before) + before.bill));
    console.log(row('validate + normalize + price, main thread', now.coreMainThread, before?.coreMainThread));
    const perSecond = (us: number): number => Math.round(1e6 / us);
    console.log(`  validate + normalize + price: ${fmt(perSecond(core(now)))} events/CPU-s${before ? ` (baseline ${fmt(perSecond(core(before)))}, × ${(core(before) / core(now)).toFixed(2)})` : ''}; with bill ${fmt(perSecond(core(now) + now.bill))}/s; target 400,000/s`);
    const rounded = (s: StageRound): Record<string, number> => Object.fromEntries(STAGES.map((k) => [k, r2(s[k])]));
    return {
      stages_cpuUsPerEvent: rounded(now),
      ...(before ? { baseline: baseline, baseline_stages_cpuUsPerEvent: rounded(before), stage_ratio_now_over_baseline: Object.fromEntries(STAGES.map((k) => [k, r2(now[k] / before[k])])) } : {}),
      validateNormalizePrice_cpuUsPerEvent: r2(core(now)),
      validateNormalizePrice_mainThreadCpuUsPerEvent: r2(now.coreMainThread),
      ...(before ? { baseline_validateNormalizePrice_mainThreadCpuUsPerEvent: r2(before.coreMainThread) } : {}),
      validateNormalizePrice_eventsPerCpuSecond: perSecond(core(now)),
      validateNormalizePriceBill_eventsPerCpuSecond: perSecond(core(now) + now.bill),
      ...(before ? { baseline_validateNormalizePrice_eventsPerCpuSecond: perSecond(core(before)), baseline_validateNormalizePriceBill_eventsPerCpuSecond: perSecond(core(before) + before.bill) } : {}),
      stage_rounds: rounds,
      stage_load_average: { before: loadBefore, after: load() },
    };
  } finally {
    base?.remove();
  }
}

const SAMPLE = 20_000;

/** Rounds of ~1 s; the median round's events per CPU-second of this process (the machine is shared: wall time would measure the neighbours). */
function rounds(label: string, seconds: number, perRound: () => number): number {
  const rates: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const c0 = process.cpuUsage();
    const n = perRound();
    const c = process.cpuUsage(c0);
    rates.push(n / ((c.user + c.system) / 1e6));
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)] ?? 0;
  console.log(`  ${label.padEnd(44)} ${fmt(median).padStart(12)} events/CPU-s  ${fmt(1e6 / median, 2).padStart(6)} µs  (median of ${rates.length} rounds; min ${fmt(rates[0] ?? 0)}, max ${fmt(rates[rates.length - 1] ?? 0)})`);
  return Math.round(median);
}

export async function runPricingBench(args: readonly string[]): Promise<void> {
  const seconds = Number(args[args.indexOf('--seconds') + 1] ?? '') || 8;
  const baselineArg = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
  const baseline = baselineArg === 'none' ? null : (baselineArg ?? BASELINE_REF);
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
  console.log(`pricing benchmark: ${fmt(SAMPLE)} events, shapes ${[...shapes].map(([s, n]) => `${s} ${Math.round((n / SAMPLE) * 100)}%`).join(', ')}; ${seconds}s per measure; load average ${load().join(' ')}`);
  const stages = await stageFigures(seconds, baseline);

  let sink = 0n;
  const full = rounds('JSON text: decode + validate + normalize + price', seconds, () => {
    for (const text of texts) {
      const a = acceptInput(text, { receivedAt: now });
      if (a.ok) sink += priceAccepted(pricer, a.event, a.usage, null).pricing.total;
    }
    return texts.length;
  });
  // What the processor reads: events as the ingest stamped them (id and received_at set).
  const stamped = texts.map((t, i) => Buffer.from(JSON.stringify({ event_id: `ev-${i}`, received_at: now.toISOString(), ...(JSON.parse(t) as object) })));
  const stampedFull = rounds('stamped events: validate + normalize + price', seconds, () => {
    for (const b of stamped) {
      const a = acceptInput(b, { receivedAt: now });
      if (a.ok) sink += priceAccepted(pricer, a.event, a.usage, null).pricing.total;
    }
    return stamped.length;
  });
  const decodeOnly = rounds('stamped events: JSON decode alone', seconds, () => {
    for (const b of stamped) if (JSON.parse(b.toString('utf8')) === null) sink++;
    return stamped.length;
  });
  const core = rounds('normalize + price', seconds, () => {
    for (const e of parsed) {
      const n = normalizeUsage(e);
      if (n.ok) sink += pricer.price({ provider: e.provider, model: e.model, occurredAt: now, usage: n.usage }).total;
    }
    return parsed.length;
  });
  // Price only: whole-femto rates vs the same rates made finer than a femto-dollar.
  const usages: { e: UsageEvent; u: NormalizedUsage }[] = [];
  for (const e of parsed) {
    const n = normalizeUsage(e);
    if (n.ok) usages.push({ e, u: n.usage });
  }
  const fine = createPricer(buildCatalog(builtinSources().map(finer)));
  const cpu = { whole: [] as number[], exact: [] as number[] };
  const end = Date.now() + seconds * 1000 * 2;
  const round = (p: Pricer): number => {
    const c0 = process.cpuUsage();
    for (const { e, u } of usages) sink += p.price({ provider: e.provider, model: e.model, occurredAt: now, usage: u }).total;
    const c = process.cpuUsage(c0);
    return ((c.user + c.system) * 1000) / usages.length; // ns of CPU per event
  };
  round(pricer);
  round(fine);
  while (Date.now() < end) {
    cpu.whole.push(round(pricer));
    cpu.exact.push(round(fine));
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const wholeNs = median(cpu.whole);
  const exactNs = median(cpu.exact);
  console.log(`  ${'price only, whole-femto rates'.padEnd(34)} ${fmt(wholeNs).padStart(12)} ns CPU/event  (median of ${cpu.whole.length} alternating rounds)`);
  console.log(`  ${'price only, exact path (10⁻³⁰)'.padEnd(34)} ${fmt(exactNs).padStart(12)} ns CPU/event  (${fmt(exactNs / wholeNs, 2)}× the whole-femto path)`);
  if (sink < 0n) console.log('impossible');
  const file = writeResult({
    benchmark: 'pricing',
    conditions: { events: SAMPLE, secondsPerMeasure: seconds, mix: Object.fromEntries(shapes), process: 'one Node.js process, one thread', measure: 'events per CPU-second of the process (user + system), median round', load_average_after: load() },
    figures: {
      ...stages,
      fromJsonText_validateNormalizePrice_eventsPerCpuSecond: full,
      stampedValidateNormalizePrice_eventsPerCpuSecond: stampedFull,
      stampedJsonDecode_eventsPerCpuSecond: decodeOnly,
      stampedBeyondDecode_eventsPerCpuSecond: Math.round(1e6 / (1e6 / stampedFull - 1e6 / decodeOnly)),
      normalizePrice_eventsPerCpuSecond: core,
      priceOnlyWholeFemto_cpuNsPerEvent: Math.round(wholeNs),
      priceOnlyExactPath_cpuNsPerEvent: Math.round(exactNs),
      exactOverWhole_cpuRatio: Math.round((exactNs / wholeNs) * 100) / 100,
    },
  });
  console.log(`written to ${file}`);
}

/** The same source with every per-million price 2 × 10⁻²² USD dearer: no rate is a whole number of femto-USD (batch discounts stay exact). */
function finer(source: CatalogSource): CatalogSource {
  const bump = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map(bump);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'per_million' && typeof x === 'object' && x !== null) {
        out[k] = Object.fromEntries(Object.entries(x).map(([c, t]) => [c, typeof t === 'string' ? `${t}${t.includes('.') ? '' : '.'}${'0'.repeat(Math.max(0, 21 - (t.split('.')[1]?.length ?? 0)))}2` : t]));
      } else out[k] = bump(x);
    }
    return out;
  };
  return { name: `${source.name} (finer)`, models: source.models.map((m) => bump(m) as CatalogSource['models'][number]) };
}
