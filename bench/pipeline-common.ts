/**
 * What the pipeline bench's parts share: the broker, the producer process,
 * counting stored events, the load average, and watching events become
 * visible in a query (bench/pipeline.ts, bench/pipeline-distributed.ts).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AnalyticsStore } from '../src/store/types.js';

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const PRODUCER = fileURLToPath(new URL('./pipeline-producer.ts', import.meta.url));
/** How often the latency runs look for new rows, and how far back (processing time) they look. */
const POLL_MS = 50;
const LOOK_BACK_MS = 10_000;

export const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

/** Produces `count` demo events (random ids) at `rate`/s (0: as fast as possible) from a process of its own; `tenants` > 0 spreads them over that many tenants. */
export function produce(topic: string, count: number, rate: number, seed: number, tenants = 0): Promise<{ seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PRODUCER, brokers.join(','), topic, String(count), String(rate), String(seed), String(tenants)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = '';
    child.stdout.on('data', (d: Buffer) => (last = d.toString().trim().split('\n').at(-1) ?? last));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(last) as { seconds: number }) : reject(new Error(`producer exited ${code}`))));
  });
}

export async function count(store: AnalyticsStore): Promise<number> {
  const [r] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events' });
  return Number(r?.n ?? 0);
}

export interface Visibility {
  /** send → visible in a query, ms, sorted. */
  readonly latencies: number[];
  /** send → stamped by the processor (processed_at), ms, sorted. */
  readonly toProcessor: number[];
}

/**
 * Polls `store` every 50 ms until `expected` events produced with
 * metadata.sent_at are visible and `produced()` says the producer is done;
 * for each event, the time from its send until the poll that first saw it.
 * Rows are found by processed_at (stamped before the insert) with a look-back,
 * because concurrent partitions' inserts can become visible out of stamp
 * order; ids already seen, and events sent before `sentFrom` (epoch ms), are
 * skipped. `onPoll` runs after every poll.
 */
export async function watchVisible(store: AnalyticsStore, expected: number, produced: () => boolean, onPoll: () => void = () => {}, sentFrom = 0): Promise<Visibility> {
  const latencies: number[] = [];
  const toProcessor: number[] = [];
  const seen = new Set<string>();
  let watermark = 0;
  for (;;) {
    const now = Date.now();
    const rows = await store.sql.query<{ id: string; sent: string; processed: string }>({
      sql: "SELECT event_id AS id, metadata['sent_at'] AS sent, toString(toUnixTimestamp64Milli(processed_at)) AS processed FROM usage_events WHERE processed_at > fromUnixTimestamp64Milli({after:Int64}, 'UTC')",
      params: { after: watermark - LOOK_BACK_MS },
    });
    for (const r of rows) {
      if (seen.has(r.id) || Number(r.sent) < sentFrom) continue;
      seen.add(r.id);
      latencies.push(now - Number(r.sent));
      toProcessor.push(Number(r.processed) - Number(r.sent));
      watermark = Math.max(watermark, Number(r.processed));
    }
    onPoll();
    if (produced() && seen.size >= expected) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  latencies.sort((a, b) => a - b);
  toProcessor.sort((a, b) => a - b);
  return { latencies, toProcessor };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A memory field of a process's /proc status (`VmRSS`, `VmHWM`, `RssFile`, `RssAnon`, …), MiB; NaN when absent. */
export function statusMib(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Resident set of a process now, MiB (VmRSS). */
export function rssMib(pid: number): number {
  return statusMib(pid, 'VmRSS');
}
