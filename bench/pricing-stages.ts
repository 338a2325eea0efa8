/**
 * Per-stage CPU of the per-event hot path (issue 12, item 2), this checkout
 * against a baseline commit, in ONE process and alternating rounds, on the
 * same records — so the ratios hold on a shared, noisy machine. Part of
 * `npm run bench -- pricing` (bench/pricing.ts).
 *
 * The baseline is `git archive <ref> src package.json` unpacked in a
 * temporary directory (node_modules linked to this checkout's), its modules
 * imported through tsx like ours. The stages, as bench/pipeline-stages.ts
 * names them, over records as the processor reads them (the ingest stamped
 * id and received_at):
 *
 *   decode     Buffer → text → JSON.parse, the values kept as a batch keeps them
 *   validate   parseEvent − decode (envelope, the contract)
 *   normalize  acceptEvent: stamp (ids, times, window) + normalize
 *   price      priceAccepted: the catalog price
 *   bill       the processor's price-book stamp (a 5-rule book per tenant)
 *
 * Each is CPU of the process; validate + normalize + price is also measured
 * on the main thread alone (`coreMainThread`), so what V8's collector does on
 * its helper threads shows apart.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type * as Parse from '../src/events/parse.js';
import type * as PriceEvent from '../src/pipeline/price-event.js';
import type * as Config from '../src/config/load.js';
import type * as Adapters from '../src/runtime/adapters.js';
import type * as TimeWindowMod from '../src/runtime/time-window.js';
import type * as Demo from '../src/demo/traffic.js';
import type * as BookSchema from '../src/pricing/price-book-schema.js';
import type * as Books from '../src/pricing/price-books.js';
import type * as Families from '../src/pricing/families.js';
import type * as Stamp from '../src/processor/price-stamp.js';
import type { PricedEvent, RawRecord } from '../src/pipeline/types.js';
import { threadCpuUs } from './cpu-time.js';

export const STAGES = ['decode', 'validate', 'normalize', 'price', 'bill'] as const;
export type Stage = (typeof STAGES)[number];
/**
 * What a round measures: CPU µs per event of the process by stage (every
 * thread: V8's parallel scavenger, concurrent marker and sweeper included —
 * what the stage costs), and, in `coreMainThread`, of validate + normalize +
 * price on the main thread alone (the JavaScript, its allocation and the
 * collector's pauses; the rest of the process's figure is the collector's
 * helper threads).
 */
export const MEASURES = [...STAGES, 'coreMainThread'] as const;
export type Measure = (typeof MEASURES)[number];
/** CPU µs per event of one round, by measure. */
export type StageRound = Record<Measure, number>;

/** One checkout's hot path over a fixed sample of records. */
export interface StageSide {
  readonly label: string;
  /** Runs every stage once over the sample; CPU µs per event of each. */
  round(): StageRound;
}

const BOOK_RULES = [
  { kind: 'markup', percent: '12.5', effective_from: '2020-01-01T00:00:00Z' },
  { kind: 'markup', percent: '30', effective_from: '2020-01-01T00:00:00Z', match: { provider: 'anthropic' } },
  { kind: 'contract', effective_from: '2020-01-01T00:00:00Z', match: { family: 'gpt-4o-mini' }, per_million: { input: '0.2', output: '0.8', cached_input: '0.1' } },
  { kind: 'request_fee', amount: '0.0001', effective_from: '2020-01-01T00:00:00Z' },
  { kind: 'minimum', amount: '0.0002', effective_from: '2020-01-01T00:00:00Z' },
];

/** The demo records the processor would read: random ids, occurred_at a second ago, received_at stamped. */
export function sampleRecords(root: string, n: number, seed = 7): Promise<Buffer[]> {
  return importFrom<typeof Demo>(root, 'src/demo/traffic.ts').then((demo) => {
    const gen = demo.demoEvents({ seed });
    const now = Date.now();
    const out: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const e = gen.next().value as Record<string, unknown>;
      out.push(Buffer.from(JSON.stringify({ ...e, event_id: randomUUID(), occurred_at: new Date(now - 1000).toISOString(), received_at: new Date(now).toISOString() })));
    }
    return out;
  });
}

function importFrom<T>(root: string, path: string): Promise<T> {
  return import(pathToFileURL(resolve(root, path)).href) as Promise<T>;
}

/** A full collection before each measure, so no stage pays for the garbage of the one before (or of the other side). */
const collect: () => void = (() => {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  return typeof gc === 'function' ? (gc as () => void) : () => undefined;
})();

/** CPU µs of `fn` in the process; `thread` gets what of it ran on this thread (process CPU where Linux does not say). */
function cpuUs(fn: () => void, thread?: { us: number }): number {
  collect();
  let us = 0;
  const threadUs = threadCpuUs(() => {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    us = c.user + c.system;
  });
  if (thread) thread.us += threadUs;
  return us;
}

/** The hot path of the checkout at `root`, over `records`. */
export async function loadSide(label: string, root: string, records: readonly Buffer[]): Promise<StageSide> {
  const parse = await importFrom<typeof Parse>(root, 'src/events/parse.ts');
  const pe = await importFrom<typeof PriceEvent>(root, 'src/pipeline/price-event.ts');
  const config = (await importFrom<typeof Config>(root, 'src/config/load.ts')).loadConfig({ env: {}, overrides: {} });
  const pricer = (await importFrom<typeof Adapters>(root, 'src/runtime/adapters.ts')).buildPricer(config);
  const timeWindow = (await importFrom<typeof TimeWindowMod>(root, 'src/runtime/time-window.ts')).timeWindowOf(config);
  const book = (await importFrom<typeof BookSchema>(root, 'src/pricing/price-book-schema.ts')).parsePriceBook({ rules: BOOK_RULES });
  const { PriceBookSet, staticPriceBooks } = await importFrom<typeof Books>(root, 'src/pricing/price-books.ts');
  const { createModelFamilies } = await importFrom<typeof Families>(root, 'src/pricing/families.ts');
  const { withPriceBooks } = await importFrom<typeof Stamp>(root, 'src/processor/price-stamp.ts');
  const books = staticPriceBooks(new PriceBookSet(['acme', 'globex', 'initech'].map((tenant, i) => ({ tenant, user: '', version: String(i + 1), book })), '3', { families: createModelFamilies(pricer.catalog, pricer.resolver) }));
  const n = records.length;
  const noRecord = {} as RawRecord;
  return {
    label,
    round(): StageRound {
      const receivedAt = new Date();
      let sink = 0;
      // Decoded values are kept, as the batch keeps them: what it costs the collector to keep them is decode's, not validate's.
      const decoded: unknown[] = [];
      const decodeThread = { us: 0 };
      const decode = cpuUs(() => {
        for (const v of records) decoded.push(JSON.parse(v.toString()));
      }, decodeThread);
      decoded.length = 0;
      const coreThread = { us: -decodeThread.us };
      const parsed: Extract<ReturnType<typeof parse.parseEvent>, { ok: true }>[] = [];
      const parseUs = cpuUs(() => {
        for (const v of records) {
          const p = parse.parseEvent(v);
          if (p.ok) parsed.push(p);
        }
      }, coreThread);
      const accepted: Extract<ReturnType<typeof pe.acceptEvent>, { ok: true }>[] = [];
      const normalize = cpuUs(() => {
        for (const p of parsed) {
          const a = pe.acceptEvent(p.event, p.envelope, { receivedAt, timeWindow });
          if (a.ok) accepted.push(a);
        }
      }, coreThread);
      const priced: PricedEvent[] = [];
      const price = cpuUs(() => {
        let offset = 0;
        for (const a of accepted) priced.push(pe.priceAccepted(pricer, a.event, a.usage, { topic: 'bench.raw', partition: 0, offset: String(offset++) }));
      }, coreThread);
      let next = 0;
      const stamp = withPriceBooks({ process: () => ({ ok: true, priced: priced[next++] as PricedEvent }) }, books);
      const bill = cpuUs(() => {
        for (let i = 0; i < priced.length; i++) if (stamp.process(noRecord).ok) sink++;
      });
      if (priced.length !== n || sink < n) throw new Error(`bench: ${label} accepted ${priced.length} of ${n} records`);
      return { decode: decode / n, validate: (parseUs - decode) / n, normalize: normalize / n, price: price / n, bill: bill / n, coreMainThread: coreThread.us / n };
    },
  };
}

/** `src`, package.json and the `more` paths of `ref` in a temporary directory with this checkout's node_modules; returns it and how to remove it. */
export function checkoutOf(ref: string, more: readonly string[] = []): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'tally-bench-baseline-'));
  const tar = execFileSync('git', ['archive', ref, 'src', 'package.json', ...more], { maxBuffer: 256 * 2 ** 20 });
  execFileSync('tar', ['-x', '-C', root], { input: tar });
  symlinkSync(realpathSync('node_modules'), join(root, 'node_modules'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Alternating rounds of every side for `seconds` (after one warm-up round each; which side goes first alternates too); the median µs per event by stage. */
export function alternate(sides: readonly StageSide[], seconds: number): { medians: StageRound[]; rounds: number } {
  for (const s of sides) s.round();
  const samples = sides.map(() => Object.fromEntries(MEASURES.map((k) => [k, [] as number[]])) as Record<Measure, number[]>);
  const end = Date.now() + seconds * 1000;
  let rounds = 0;
  while (Date.now() < end || rounds < 3) {
    const order = sides.map((_, i) => i);
    if (rounds % 2 === 1) order.reverse();
    for (const i of order) {
      const r = (sides[i] as StageSide).round();
      for (const k of MEASURES) samples[i]?.[k].push(r[k]);
    }
    rounds++;
  }
  return { medians: samples.map((s) => Object.fromEntries(MEASURES.map((k) => [k, medianOf(s[k])])) as StageRound), rounds };
}
