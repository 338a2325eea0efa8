/**
 * Produce → visible in `tally start` (the embedded mode: chDB and the
 * in-process event log in one process), part `latency-embedded` of
 * `npm run bench -- pipeline`. `tally start` answers a send with 202 once its
 * events are stored and counted (README, "How it works": "in-process; a
 * 202 means stored"), so for each event the time from its send to that 202 is the time
 * until the analytics API can show it — an upper bound, since the API can
 * see the rows a moment before the answer reaches the sender.
 *
 * The load is open: requests of `perRequest` events start on a fixed
 * schedule (5,000 events/s for 30 s by default), whether or not earlier ones
 * were answered, and each event's latency runs from its request's scheduled
 * start — so a stalled server shows as latency instead of slowing the load
 * down. The claim that a 202 means visible is checked while it runs: after a
 * 202, about once a second, `GET /v1/usage/summary?source=raw` must count at
 * least every event acknowledged before it was asked; and at the end, every
 * event sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoEvents } from '../src/demo/traffic.js';
import { sleep } from './pipeline-common.js';
import { processCpuUs } from './pipeline-distributed.js';
import { demoRequestBody, sampleRss, startEmbedded, stop, storedEvents } from './pipeline-memory.js';
import { fmt, percentile } from './results.js';

export interface EmbeddedLatencyRun {
  readonly rate_per_second: number;
  readonly seconds: number;
  readonly events_per_request: number;
  readonly events: number;
  /** Send (scheduled start of its request) → 202, over every event (every request carries as many). */
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  /** Checks that the summary counted every event acknowledged before it was asked; and how many did not. */
  readonly visibility_checks: number;
  readonly visibility_failures: number;
  /** Events the store holds at the end (must equal `events`). */
  readonly stored_at_end: number;
  /** CPU of the `tally start` process per event, every thread (the engine's too), µs. */
  readonly cpu_us_per_event: number;
  readonly rss_mib_max: number;
}

export async function embeddedLatencyRun(rate: number, seconds: number, perRequest: number): Promise<EmbeddedLatencyRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-latency-embedded-'));
  const { child, url } = await startEmbedded(dataDir, {});
  const pid = child.pid as number;
  try {
    const source = demoEvents({ seed: 5 });
    const body = (): string => demoRequestBody(source, perRequest);
    const post = async (text: string): Promise<void> => {
      const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
      const answer = await res.text();
      if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${answer.slice(0, 300)}`);
    };
    await post(body()); // warm: the first insert creates the day's parts
    const warm = perRequest;
    await sleep(2000);

    const requests = Math.round((rate * seconds) / perRequest);
    const intervalMs = (perRequest / rate) * 1000;
    /** Send → 202 of each request: every request carries `perRequest` events, so their percentiles are the events'. */
    const latencies: number[] = [];
    let acknowledged = warm;
    let checks = 0;
    let failures = 0;
    let lastCheck = 0;
    let checking = false;
    /** After a 202: does the API count every event acknowledged so far? At most one check at a time, about once a second. */
    const check = async (): Promise<void> => {
      if (checking || Date.now() - lastCheck < 1000) return;
      checking = true;
      lastCheck = Date.now();
      const floor = acknowledged;
      const stored = await storedEvents(url);
      checks++;
      if (stored < floor) failures++;
      checking = false;
    };
    const rss = sampleRss(pid);
    const cpu0 = processCpuUs(pid);
    const t0 = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < requests; i++) {
      const due = t0 + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const text = body();
      inFlight.push(
        post(text).then(async () => {
          latencies.push(performance.now() - due);
          acknowledged += perRequest;
          await check();
        }),
      );
    }
    await Promise.all(inFlight);
    const cpu = processCpuUs(pid) - cpu0;
    const samples = rss.stop();
    const events = requests * perRequest;
    const storedAtEnd = (await storedEvents(url)) - warm;
    latencies.sort((a, b) => a - b);
    const run: EmbeddedLatencyRun = {
      rate_per_second: rate,
      seconds,
      events_per_request: perRequest,
      events,
      p50_ms: Math.round(percentile(latencies, 50)),
      p99_ms: Math.round(percentile(latencies, 99)),
      max_ms: Math.round(latencies[latencies.length - 1] ?? Number.NaN),
      visibility_checks: checks,
      visibility_failures: failures,
      stored_at_end: storedAtEnd,
      cpu_us_per_event: Math.round(cpu / events),
      rss_mib_max: Math.max(...samples),
    };
    console.log(
      `  tally start at ${fmt(rate)} events/s for ${seconds} s, ${fmt(perRequest)} events per request: send → 202 (stored: visible) p50 ${fmt(run.p50_ms)} ms, p99 ${fmt(run.p99_ms)} ms, max ${fmt(run.max_ms)} ms; ` +
        `${fmt(run.cpu_us_per_event)} µs CPU per event; peak RSS ${fmt(run.rss_mib_max)} MiB; visible after its 202 in ${checks - failures} of ${checks} checks; stored ${fmt(storedAtEnd)} of ${fmt(events)}`,
    );
    if (failures > 0 || storedAtEnd !== events) throw new Error(`tally start: ${failures} visibility checks failed, ${fmt(storedAtEnd)} of ${fmt(events)} events stored`);
    return run;
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
