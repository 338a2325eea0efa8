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
 *   http     the same inserts through the @clickhouse/client adapter into the
 *            chDB HTTP TEST STAND-IN in a process of its own (not a ClickHouse
 *            server): this process's CPU per event — encode, client, HTTP — is
 *            what a `tally processor` spends; the stand-in's CPU, from /proc,
 *            is the server's parse and write
 *
 * and the bytes per event of each body. Ratios (×) are the median of the
 * rounds' RowBinary / JSONCompactEachRow, each round's pair run back to back.
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
import { median, processCpuUs, threadCpuUs } from './cpu-time.js';

export type InsertFormat = 'json_compact' | 'row_binary';
const FORMATS: readonly InsertFormat[] = ['json_compact', 'row_binary'];

/** Median CPU µs per event of each format, and the median of the rounds' RowBinary / JSONCompactEachRow ratios. */
export interface FormatPair {
  readonly json_compact: number;
  readonly row_binary: number;
  /** Median over rounds of (RowBinary / JSONCompactEachRow) in the same round: steadier than the ratio of medians on a shared machine. */
  readonly ratio: number;
  readonly samples: Record<InsertFormat, number[]>;
}

export interface InsertFormatFigures {
  readonly events_per_round: number;
  readonly rows_per_insert: number;
  readonly rounds: number;
  /** Encoding a body, main thread. */
  readonly encode_us: FormatPair;
  /** Encode + insert into chDB in this process (every thread: the engine's parse, write, rollup views). */
  readonly insert_chdb_us: FormatPair;
  /** Encode + insert over HTTP into the chDB stand-in in another process: this process's CPU (what a `tally processor` spends). */
  readonly insert_http_client_us?: FormatPair;
  /** The same inserts: the stand-in process's CPU (the server's parse and write; coarse, 10 ms ticks). */
  readonly insert_http_server_us?: FormatPair;
  /** Body bytes per event. */
  readonly bytes_per_event: Record<InsertFormat, number>;
}

/** A store over HTTP and the CPU µs its server process has used so far. */
export interface HttpTarget {
  readonly store: AnalyticsStore;
  serverCpuUs(): number;
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

function pair(samples: Record<InsertFormat, number[]>): FormatPair {
  const ratios = samples.row_binary.map((rb, i) => rb / (samples.json_compact[i] ?? Number.NaN));
  return {
    json_compact: round1(median(samples.json_compact)), row_binary: round1(median(samples.row_binary)),
    ratio: Math.round(median(ratios) * 100) / 100, samples: { json_compact: samples.json_compact.map(round1), row_binary: samples.row_binary.map(round1) },
  };
}

const empty = (): Record<InsertFormat, number[]> => ({ json_compact: [], row_binary: [] });

/** Inserts every batch into `store` in `format`, checks the count; CPU µs per event of this process, and of the server when given. */
async function insertRound(store: AnalyticsStore, f: InsertFormat, batches: readonly PricedEvent[][], tokens: readonly string[], n: number, serverCpuUs?: () => number): Promise<{ client: number; server: number }> {
  // Let the migration's own work settle before measuring.
  await new Promise((r) => setTimeout(r, 500));
  const s0 = serverCpuUs?.() ?? 0;
  const client = (await processCpuUs(async () => {
    for (let i = 0; i < batches.length; i++) await insert(store, f, batches[i] as PricedEvent[], tokens[i] as string);
  })) / n;
  const server = ((serverCpuUs?.() ?? 0) - s0) / n;
  const stored = await store.sql.query<{ n: string }>({ sql: `SELECT count() AS n FROM ${USAGE_EVENTS_TABLE}` });
  if (Number(stored[0]?.n) !== n) throw new Error(`insert-format bench: ${f} stored ${stored[0]?.n} of ${n} events`);
  return { client, server };
}

export async function insertFormatCosts(
  open: (name: string) => Promise<AnalyticsStore>,
  openHttp: ((name: string) => Promise<HttpTarget>) | null,
  n = 20_000, batch = 5_000, rounds = 9,
): Promise<InsertFormatFigures> {
  const events = pricedSample(n);
  const batches: PricedEvent[][] = [];
  for (let i = 0; i < n; i += batch) batches.push(events.slice(i, i + batch));
  const tokens = batches.map((b) => deduplicationToken(b.map((p) => ({ tenant: p.event.tenant, event_id: p.event.event_id, row_version: '1', sign: 1 }))));
  const encodeUs = empty();
  const chdbUs = empty();
  const httpClientUs = empty();
  const httpServerUs = empty();
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
      chdbUs[f].push((await insertRound(store, f, batches, tokens, n)).client);
      await store.close();
    }
    for (const f of openHttp === null ? [] : order) {
      const target = await (openHttp as (name: string) => Promise<HttpTarget>)(`insert_format_http_${round}_${f}`);
      const us = await insertRound(target.store, f, batches, tokens, n, () => target.serverCpuUs());
      httpClientUs[f].push(us.client);
      httpServerUs[f].push(us.server);
      await target.store.close();
    }
  }
  const perEvent = { json_compact: Math.round((bytes.json_compact * batches.length) / n), row_binary: Math.round((bytes.row_binary * batches.length) / n) };
  const figures: InsertFormatFigures = {
    events_per_round: n, rows_per_insert: batch, rounds,
    encode_us: pair(encodeUs), insert_chdb_us: pair(chdbUs),
    ...(openHttp === null ? {} : { insert_http_client_us: pair(httpClientUs), insert_http_server_us: pair(httpServerUs) }),
    bytes_per_event: perEvent,
  };
  const line = (what: string, p: FormatPair | undefined): void => {
    if (p) console.log(`      ${what.padEnd(52)} JSONCompactEachRow ${p.json_compact.toFixed(1)}, RowBinary ${p.row_binary.toFixed(1)} (× ${p.ratio.toFixed(2)})`);
  };
  console.log(`  insert format (${fmt(n)} demo events, inserts of ${fmt(batch)}, medians of ${rounds} alternating rounds, × = median of the rounds' ratios):`);
  line('encode, µs/event (main thread):', figures.encode_us);
  line('encode + insert into chDB, µs/event (process CPU):', figures.insert_chdb_us);
  line('encode + insert over HTTP, client µs/event:', figures.insert_http_client_us);
  line('  the same inserts, stand-in (server) µs/event:', figures.insert_http_server_us);
  console.log(`      body bytes/event:                                    JSONCompactEachRow ${fmt(perEvent.json_compact)}, RowBinary ${fmt(perEvent.row_binary)}`);
  return figures;
}

/** CPU µs (user + system) process `pid` has used, from /proc (Linux; 0 elsewhere). Clock ticks of 10 ms. */
export function processCpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}
