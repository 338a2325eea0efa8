/**
 * "History must not slow it" (issue #12, item 3), part of `npm run bench -- pipeline`:
 * the same backlog drained by one processor (1 partition, chDB in process)
 * into a store that is empty and into one already holding `history` events
 * of the same tenants and day with random (not time-ordered) ids — once with
 * the processor's dedupe (the recent-id window: a store lookup for suspects
 * only) and once with the lookup of every event (0.1's dedupe, still what
 * `tally replay` uses), alternating, so the ratios compare like with like.
 */
import { loadConfig } from '../src/config/load.js';
import { HealthState } from '../src/core/health.js';
import { silentLogger } from '../src/core/logger.js';
import { createMetrics } from '../src/core/metrics.js';
import { createKafkaEventLog } from '../src/eventlog/kafka/log.js';
import { resolveTopics, topicSpecs } from '../src/eventlog/topics.js';
import { createRecordPipeline } from '../src/pipeline/price-event.js';
import { Processor } from '../src/processor/processor.js';
import { createStoreSink } from '../src/processor/store-sink.js';
import { createWindowedStoreSink } from '../src/processor/windowed-store-sink.js';
import type { EventStoreSink } from '../src/processor/types.js';
import { buildPricer } from '../src/runtime/adapters.js';
import { timeWindowOf } from '../src/runtime/time-window.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { fmt } from './results.js';
import { pricedSample } from './pipeline-stages.js';
import { randomUUID } from 'node:crypto';
import type { PricedEvent } from '../src/pipeline/types.js';

export type SinkKind = 'window' | 'lookup';

export interface DrainFigures {
  readonly eventsPerSecond: number;
  readonly cpu_us_per_event: number;
  readonly store_write_us_per_event: number;
}

/** Drains `events` records of a topic already produced, through one processor using the given sink; events/s and CPU per event. */
export async function drain(store: AnalyticsStore, brokers: readonly string[], topicPrefix: string, events: number, kind: SinkKind, produce: (topic: string) => Promise<unknown>): Promise<DrainFigures> {
  const topics = resolveTopics({ prefix: topicPrefix, raw: { partitions: 1 }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
  const log = createKafkaEventLog({ brokers: [...brokers] });
  await log.ensureTopics(topicSpecs(topics));
  await produce(topics.raw.name);
  const config = loadConfig({ env: {}, overrides: { processor: { groupId: `${topicPrefix}proc` } } });
  const metrics = createMetrics({ defaultMetrics: false });
  const sink: EventStoreSink = kind === 'window' ? createWindowedStoreSink(store, { windowMs: config.processor.dedupWindowSeconds * 1000 }) : createStoreSink(store);
  const processor = new Processor(
    { log, pipeline: createRecordPipeline({ pricer: buildPricer(config), timeWindow: timeWindowOf(config) }), store: sink, health: new HealthState(), logger: silentLogger(), metrics },
    { rawTopic: topics.raw.name, dlqTopic: topics.dlq.name, groupId: `${topicPrefix}proc`, partitionsConsumedConcurrently: 1, maxWaitTimeMs: 250, minBytes: 64 * 1024, maxBytesPerPartition: 8 * 1024 * 1024, maxSinkBatch: 10_000 },
  );
  const consumed = async (): Promise<number> => (await metrics.eventsConsumed.get()).values.reduce((s, v) => s + v.value, 0);
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  await processor.start();
  while ((await consumed()) < events) await new Promise((r) => setTimeout(r, 50));
  const secs = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const storeSeconds = (await metrics.sinkSeconds.get()).values.find((v) => v.metricName?.endsWith('_sum') && v.labels.sink === 'store')?.value ?? 0;
  await processor.stop();
  await log.close();
  return { eventsPerSecond: Math.round(events / secs), cpu_us_per_event: Math.round((cpu.user + cpu.system) / events), store_write_us_per_event: Math.round((storeSeconds * 1e6) / events) };
}

/**
 * Inserts `n` events of today (the tenants of the demo traffic: acme 4/6,
 * globex and initech 1/6 each) with random UUID ids, server-side
 * (INSERT … SELECT FROM numbers), in chunks; the rollup views are fed too.
 * Returns the seconds it took.
 */
export async function loadHistory(store: AnalyticsStore, n: number, onProgress: (done: number) => void): Promise<number> {
  const t0 = Date.now();
  const chunk = 2_000_000;
  for (let done = 0; done < n; done += chunk) {
    const size = Math.min(chunk, n - done);
    await store.sql.command({
      sql: `INSERT INTO usage_events (tenant, event_id, occurred_at, received_at, processed_at, user_id, provider, model, model_key,
  input_tokens, output_tokens, total_tokens, prompt_tokens, requests, cost_input, cost_output, cost_total, cost_source, priced, price_version,
  source_topic, source_partition, source_offset, row_version, sign)
SELECT multiIf(number % 6 < 4, 'acme', number % 6 = 4, 'globex', 'initech') AS tenant,
  toString(generateUUIDv4(number)) AS event_id,
  toDateTime64(toStartOfDay(now('UTC')), 3, 'UTC') + toIntervalMillisecond(rand(number) % (greatest(1, toInt64(dateDiff('second', toStartOfDay(now('UTC')), now('UTC'))) - 3600) * 1000)) AS occurred_at,
  occurred_at AS received_at, occurred_at + toIntervalSecond(1) AS processed_at,
  concat('u', toString(number % 50)) AS user_id, 'openai' AS provider, 'gpt-4o-mini' AS model, 'gpt-4o-mini' AS model_key,
  100 + number % 900 AS input_tokens, 50 AS output_tokens, input_tokens + 50 AS total_tokens, input_tokens AS prompt_tokens, 1 AS requests,
  toDecimal128(input_tokens * 0.00000015, 15) AS cost_input, toDecimal128(0.00003, 15) AS cost_output, cost_input + cost_output AS cost_total,
  'catalog' AS cost_source, true AS priced, 'bench' AS price_version,
  'bench.history' AS source_topic, 0 AS source_partition, {base:Int64} + number AS source_offset, 1 AS row_version, 1 AS sign
FROM numbers({size:UInt64})`,
      params: { size, base: done },
    });
    onProgress(done + size);
  }
  return (Date.now() - t0) / 1000;
}

export interface HistoryFigures {
  readonly history_events: number;
  readonly history_load_seconds: number;
  readonly events_per_run: number;
  readonly rounds: number;
  /** Median over rounds, per store state and sink. */
  readonly runs: Readonly<Record<string, DrainFigures>>;
  /** events/s with history ÷ events/s empty, per sink (medians). */
  readonly ratio_with_history: Readonly<Record<SinkKind, number>>;
  /** CPU per event empty ÷ with history, per sink (1 = history costs nothing; robust to a busy machine). */
  readonly cpu_ratio_with_history: Readonly<Record<SinkKind, number>>;
  /** The store write alone (no Kafka): CPU µs per event of a 10,000-event write, medians, per store state and sink. */
  readonly store_write_cpu_us: Readonly<Record<string, number>>;
}

/**
 * The store write alone, without Kafka: batches of `batch` new events (fresh
 * random ids, increasing offsets) written by each sink into each store,
 * alternating, `rounds` times; CPU µs per event (every thread: the engine's
 * work counts), medians.
 */
async function storeWrites(stores: Readonly<Record<string, AnalyticsStore>>, batch = 10_000, rounds = 3): Promise<Record<string, number>> {
  const sample = pricedSample(batch);
  const samples: Record<string, number[]> = {};
  let offset = 1_000_000;
  const fresh = (topic: string): PricedEvent[] => sample.map((p) => ({ ...p, event: { ...p.event, event_id: randomUUID() }, source: { topic, partition: 0, offset: String(offset++) } }));
  const sinks: Record<string, Record<SinkKind, EventStoreSink>> = {};
  for (const [state, store] of Object.entries(stores)) sinks[state] = { window: createWindowedStoreSink(store, { windowMs: 600_000 }), lookup: createStoreSink(store) };
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['window', 'lookup'] as const) {
      for (const state of Object.keys(stores)) {
        const events = fresh(`bench.write.${kind}`);
        const c0 = process.cpuUsage();
        await (sinks[state]?.[kind] as EventStoreSink).write(events);
        const c = process.cpuUsage(c0);
        (samples[`${state}_${kind}`] ??= []).push((c.user + c.system) / events.length);
      }
    }
  }
  const out = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round([...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0)]));
  console.log(`  store write alone (${fmt(batch)} new events per write, CPU µs/event, median of ${rounds}): ${Object.entries(out).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return out;
}

function medianOf(xs: readonly DrainFigures[]): DrainFigures {
  const pick = (k: keyof DrainFigures): number => {
    const s = xs.map((x) => x[k]).sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? 0;
  };
  return { eventsPerSecond: pick('eventsPerSecond'), cpu_us_per_event: pick('cpu_us_per_event'), store_write_us_per_event: pick('store_write_us_per_event') };
}

/**
 * Loads the history store first, then alternates runs — empty/window,
 * history/window, empty/lookup, history/lookup — for `rounds` rounds, so a
 * change in the machine's load hits every variant alike.
 */
export async function historyRuns(
  open: (name: string) => Promise<AnalyticsStore>,
  brokers: readonly string[],
  events: number,
  history: number,
  produce: (topic: string, count: number, seed: number) => Promise<unknown>,
  rounds = 2,
): Promise<HistoryFigures> {
  const all: Record<string, DrainFigures[]> = {};
  let seed = 1000;
  const tag = Date.now().toString(36);
  const full = await open('hist_full');
  let last = 0;
  const loadSeconds = await loadHistory(full, history, (done) => {
    if (done - last >= 4_000_000 || done === history) {
      console.log(`  history: ${fmt(done)} of ${fmt(history)} events loaded`);
      last = done;
    }
  });
  console.log(`  history: ${fmt(history)} events (today, random ids) in ${loadSeconds.toFixed(0)} s`);
  const empty = await open('hist_empty');
  for (let round = 0; round < rounds; round++) {
    for (const kind of ['window', 'lookup'] as const) {
      for (const [state, store] of [['empty', empty], ['history', full]] as const) {
        const s = seed++;
        const f = await drain(store, brokers, `bench${tag}${state}${kind}${round}.`, events, kind, (topic) => produce(topic, events, s));
        (all[`${state}_${kind}`] ??= []).push(f);
        console.log(`  round ${round + 1}, ${state.padEnd(7)} store, ${kind === 'window' ? 'dedupe window' : 'lookup of all'}: ${fmt(f.eventsPerSecond)} events/s, ${fmt(f.cpu_us_per_event)} µs CPU/event, store write ${fmt(f.store_write_us_per_event)} µs/event (wall)`);
      }
    }
  }
  const writes = await storeWrites({ empty, history: full });
  await empty.close();
  await full.close();
  const runs = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, medianOf(v)]));
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const ratio = (k: SinkKind): number => r2((runs[`history_${k}`]?.eventsPerSecond ?? 0) / (runs[`empty_${k}`]?.eventsPerSecond ?? 1));
  const cpuRatio = (k: SinkKind): number => r2((runs[`empty_${k}`]?.cpu_us_per_event ?? 0) / (runs[`history_${k}`]?.cpu_us_per_event ?? 1));
  const ratios = { window: ratio('window'), lookup: ratio('lookup') };
  const cpuRatios = { window: cpuRatio('window'), lookup: cpuRatio('lookup') };
  console.log(`  with history ÷ empty (events/s, medians): dedupe window ${ratios.window}, lookup of all ${ratios.lookup}; CPU per event empty ÷ history: window ${cpuRatios.window}, lookup ${cpuRatios.lookup}`);
  return { history_events: history, history_load_seconds: Math.round(loadSeconds), events_per_run: events, rounds, runs, ratio_with_history: ratios, cpu_ratio_with_history: cpuRatios, store_write_cpu_us: writes };
}
