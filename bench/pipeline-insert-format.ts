/**
 * Insert format of `usage_events` (issue 12): JSONCompactEachRow (row values,
 * then JSON text — what the adapters sent until now) against RowBinary
 * (src/store/rowbinary/, one buffer straight from the priced events), part
 * `insert-format` of `npm run bench -- pipeline`. Same priced demo events
 * (bench/pipeline-stages.ts `pricedSample`), both formats in one run,
 * alternating which goes first each round; median of the rounds:
 *
 *   encode   CPU µs per event of building an insert's body, 5,000 events per
 *            body, on the main thread (Linux thread CPU; the process's elsewhere)
 *   insert   CPU µs per event of the whole insert path into a migrated chDB
 *            store — encode, the adapter, the engine's parse and write (and the
 *            three rollup views) — as process CPU, so chDB's threads count;
 *            inserts of 5,000 rows with a deduplication token, as the processor
 *            sends them, each round and format into a fresh database
 *
 * and the bytes per event of each body.
 */
import { readFileSync } from 'node:fs';
import type { PricedEvent } from '../src/pipeline/types.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { EVENT_ROW_COLUMNS, eventRowValues } from '../src/store/event-row.js';
import { deduplicationToken, USAGE_EVENTS_TABLE } from '../src/store/events.js';
import { encodeUsageEvents } from '../src/store/rowbinary/usage-events.js';
import { toJsonLines } from '../src/store/sql.js';
import { formatDateTime64 } from '../src/core/time.js';
import { pricedSample } from './pipeline-stages.js';
import { fmt } from './results.js';

export type InsertFormat = 'json_compact' | 'row_binary';
const FORMATS: readonly InsertFormat[] = ['json_compact', 'row_binary'];

export interface InsertFormatFigures {
  readonly events_per_round: number;
  readonly rows_per_insert: number;
  readonly rounds: number;
  /** Median CPU µs per event of encoding a body (main thread). */
  readonly encode_us: Record<InsertFormat, number>;
  /** Median CPU µs per event of encode + insert into chDB (every thread of the process). */
  readonly insert_us: Record<InsertFormat, number>;
  /** Body bytes per event. */
  readonly bytes_per_event: Record<InsertFormat, number>;
  /** RowBinary / JSONCompactEachRow. */
  readonly encode_ratio: number;
  readonly insert_ratio: number;
  /** Every round's figures, per format. */
  readonly samples: { readonly encode_us: Record<InsertFormat, number[]>; readonly insert_us: Record<InsertFormat, number[]> };
}

/** CPU ns this thread has run, from /proc (Linux), or null. */
function threadNs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/** CPU µs of `fn` on the main thread where Linux says it, else of the process. */
function threadCpuUs(fn: () => void): number {
  const t0 = threadNs();
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  const t1 = threadNs();
  return t0 !== null && t1 !== null ? (t1 - t0) / 1000 : c.user + c.system;
}

async function processCpuUs(fn: () => Promise<void>): Promise<number> {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** The body of one insert of `events` in `format`, as the adapter sends it. */
function encode(format: InsertFormat, events: readonly PricedEvent[], processedAt: Date): Buffer {
  if (format === 'row_binary') return encodeUsageEvents(events, { processedAtMs: processedAt.getTime() });
  const text = formatDateTime64(processedAt);
  return Buffer.from(toJsonLines(events.map((p) => eventRowValues(p, { processedAt: text }))));
}

/** One insert of `events` in `format` through the store's executor: encode, then the adapter's insert. */
async function insert(store: AnalyticsStore, format: InsertFormat, events: readonly PricedEvent[], token: string): Promise<void> {
  const processedAt = new Date();
  if (format === 'row_binary') {
    await store.sql.insertRowBinary(USAGE_EVENTS_TABLE, EVENT_ROW_COLUMNS, encodeUsageEvents(events, { processedAtMs: processedAt.getTime() }), { deduplicationToken: token });
    return;
  }
  const text = formatDateTime64(processedAt);
  await store.sql.insertValues(USAGE_EVENTS_TABLE, EVENT_ROW_COLUMNS, events.map((p) => eventRowValues(p, { processedAt: text })), { deduplicationToken: token });
}

export async function insertFormatCosts(open: (name: string) => Promise<AnalyticsStore>, n = 20_000, batch = 5_000, rounds = 5): Promise<InsertFormatFigures> {
  const events = pricedSample(n);
  const batches: PricedEvent[][] = [];
  for (let i = 0; i < n; i += batch) batches.push(events.slice(i, i + batch));
  const tokens = batches.map((b) => deduplicationToken(b.map((p) => ({ tenant: p.event.tenant, event_id: p.event.event_id, row_version: '1', sign: 1 }))));
  const encodeUs: Record<InsertFormat, number[]> = { json_compact: [], row_binary: [] };
  const insertUs: Record<InsertFormat, number[]> = { json_compact: [], row_binary: [] };
  const bytes: Record<InsertFormat, number> = { json_compact: 0, row_binary: 0 };
  // Warm-up: both encoders compiled, both insert paths run once.
  for (const f of FORMATS) for (const b of batches) bytes[f] = encode(f, b, new Date()).length;
  const warm = await open('insert_format_warmup');
  for (const f of FORMATS) await insert(warm, f, batches[0] as PricedEvent[], `${f}-${tokens[0] as string}`);
  await warm.close();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? FORMATS : [...FORMATS].reverse();
    for (const f of order) {
      const processedAt = new Date();
      encodeUs[f].push(threadCpuUs(() => {
        for (const b of batches) encode(f, b, processedAt);
      }) / n);
    }
    for (const f of order) {
      const store = await open(`insert_format_${round}_${f}`);
      // Let the migration's own work settle before measuring.
      await new Promise((r) => setTimeout(r, 500));
      insertUs[f].push((await processCpuUs(async () => {
        for (let i = 0; i < batches.length; i++) await insert(store, f, batches[i] as PricedEvent[], tokens[i] as string);
      })) / n);
      const stored = await store.sql.query<{ n: string }>({ sql: `SELECT count() AS n FROM ${USAGE_EVENTS_TABLE}` });
      if (Number(stored[0]?.n) !== n) throw new Error(`insert-format bench: ${f} stored ${stored[0]?.n} of ${n} events`);
      await store.close();
    }
  }
  const enc = { json_compact: round1(median(encodeUs.json_compact)), row_binary: round1(median(encodeUs.row_binary)) };
  const ins = { json_compact: round1(median(insertUs.json_compact)), row_binary: round1(median(insertUs.row_binary)) };
  const perEvent = { json_compact: Math.round((bytes.json_compact * batches.length) / n), row_binary: Math.round((bytes.row_binary * batches.length) / n) };
  const figures: InsertFormatFigures = {
    events_per_round: n, rows_per_insert: batch, rounds,
    encode_us: enc, insert_us: ins, bytes_per_event: perEvent,
    encode_ratio: Math.round((enc.row_binary / enc.json_compact) * 100) / 100,
    insert_ratio: Math.round((ins.row_binary / ins.json_compact) * 100) / 100,
    samples: { encode_us: encodeUs, insert_us: insertUs },
  };
  console.log(`  insert format (${fmt(n)} demo events, inserts of ${fmt(batch)}, median of ${rounds} alternating rounds):`);
  console.log(`      encode, µs/event (main thread):        JSONCompactEachRow ${enc.json_compact.toFixed(1)}, RowBinary ${enc.row_binary.toFixed(1)} (× ${figures.encode_ratio})`);
  console.log(`      encode + insert into chDB, µs/event:   JSONCompactEachRow ${ins.json_compact.toFixed(1)}, RowBinary ${ins.row_binary.toFixed(1)} (× ${figures.insert_ratio}; process CPU, engine included)`);
  console.log(`      body bytes/event:                      JSONCompactEachRow ${fmt(perEvent.json_compact)}, RowBinary ${fmt(perEvent.row_binary)}`);
  return figures;
}
