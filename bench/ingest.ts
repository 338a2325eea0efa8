/**
 * `npm run bench -- ingest [--rounds N]`: what issue 10's input checks cost
 * the HTTP ingest, in CPU per event (user + system of this process, one
 * thread), on a batch of 1,000 OpenAI-shaped events (~440 bytes each):
 *
 *   json.parse       JSON.parse of the batch body (what reading it cost before)
 *   duplicate-keys   the scan for repeated keys that now follows it (core/json-keys.ts)
 *   nesting          the nesting-depth walk parseEvent now does per event (also in the processor)
 *   parse-event      parseEvent of each event, the walk included
 *   post-events      the whole POST /v1/events through Fastify (inject), direct event log:
 *                    body read, scan, parse, stamp, normalize, produce, answer
 *
 * Rounds interleave the cases (default 30 after 3 warm-ups), so load on the
 * shared machine hits them alike; the median is reported. Results:
 * bench/results/ingest.json with the load average.
 */
import { loadavg } from 'node:os';
import { createApp } from '../src/api/app.js';
import { ApiKeyring } from '../src/api/auth.js';
import { HealthState } from '../src/core/health.js';
import { duplicateKeys } from '../src/core/json-keys.js';
import { silentLogger } from '../src/core/logger.js';
import { createMetrics } from '../src/core/metrics.js';
import { createDirectEventLog } from '../src/eventlog/direct/log.js';
import { nestedTooDeep, parseEvent } from '../src/events/parse.js';
import { createIngestService } from '../src/ingest/service.js';
import { cpuMs, cpuMsAsync, fmt, percentile, writeResult } from './results.js';

const EVENTS = 1_000;

function event(i: number): Record<string, unknown> {
  return {
    event_id: `evt-${i}-abcdef`, tenant: 'acme', user_id: `u-${i % 100}`, agent: 'support-bot', provider: 'openai', model: 'gpt-4o-mini-2024-07-18',
    occurred_at: '2026-01-31T12:00:00.123Z', duration_ms: 1234.5, metadata: { team: 'search', env: 'prod' },
    usage: { prompt_tokens: 1234, completion_tokens: 567, total_tokens: 1801, prompt_tokens_details: { cached_tokens: 100, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 12, audio_tokens: 0 } },
  };
}

export async function runIngestBench(args: readonly string[]): Promise<void> {
  const roundsArg = args.indexOf('--rounds');
  const rounds = Math.max(5, roundsArg === -1 ? 30 : Number(args[roundsArg + 1]));
  const events = Array.from({ length: EVENTS }, (_, i) => event(i));
  const body = JSON.stringify(events);
  const lines = events.map((e) => JSON.stringify(e));
  const parsed = JSON.parse(body) as unknown[];

  const log = createDirectEventLog();
  await log.ensureTopics([{ name: 'usage.raw', partitions: 4 }]);
  const metrics = createMetrics({ defaultMetrics: false });
  const app = await createApp({
    logger: silentLogger(), metrics, health: new HealthState(), keyring: new ApiKeyring([]), openAccess: true, bodyLimitBytes: 16 * 1024 * 1024,
    services: { ingest: createIngestService({ producer: log.producer(), rawTopic: 'usage.raw', metrics }), maxBatchEvents: 10_000 },
  });

  const cases: Record<string, () => Promise<number>> = {
    'json.parse': async () => cpuMs(() => void JSON.parse(body)),
    'duplicate-keys': async () => cpuMs(() => void duplicateKeys(body)),
    nesting: async () => cpuMs(() => { for (const e of parsed) nestedTooDeep(e); }),
    'parse-event': async () => cpuMs(() => { for (const l of lines) parseEvent(l); }),
    'post-events': async () => cpuMsAsync(async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: body });
      if (res.statusCode !== 202) throw new Error(`POST /v1/events answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    }),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const load = loadavg();
  for (let r = 0; r < rounds + 3; r++) {
    for (const [name, run] of Object.entries(cases)) {
      const ms = await run();
      if (r >= 3) samples[name]?.push(ms);
    }
  }
  await app.close();
  await log.close();

  const perEvent: Record<string, number> = {};
  for (const [name, list] of Object.entries(samples)) {
    const sorted = [...list].sort((a, b) => a - b);
    perEvent[name] = (percentile(sorted, 50) * 1000) / EVENTS;
  }
  const share = (part: string): number => (perEvent[part] ?? 0) / (perEvent['post-events'] ?? 1);
  console.log(`CPU per event, median of ${rounds} rounds of ${fmt(EVENTS)} events (${fmt(body.length / EVENTS)} bytes each), load ${load.map((l) => l.toFixed(2)).join(' ')}:`);
  for (const [name, us] of Object.entries(perEvent)) console.log(`  ${name.padEnd(15)} ${us.toFixed(2).padStart(7)} µs`);
  console.log(`  duplicate-keys scan: ${(share('duplicate-keys') * 100).toFixed(1)} % of the whole POST, ${(((perEvent['duplicate-keys'] ?? 0) / (perEvent['json.parse'] ?? 1))).toFixed(2)}× JSON.parse; nesting walk: ${(share('nesting') * 100).toFixed(1)} %`);
  const file = writeResult({
    benchmark: 'ingest',
    conditions: { events: EVENTS, bytesPerEvent: Math.round(body.length / EVENTS), rounds, loadavg: load },
    figures: { cpuMicrosecondsPerEvent: perEvent, duplicateKeysShareOfPost: share('duplicate-keys'), nestingShareOfPost: share('nesting') },
  });
  console.log(`wrote ${file}`);
}
