/**
 * Load generator for `npm run bench -- pipeline`, run as its own process:
 *   tsx bench/pipeline-producer.ts <brokers> <topic> <count> <rate|0> <seed> [tenants]
 * Produces demo events keyed by tenant, with random (not time-ordered) ids and
 * metadata.sent_at (epoch ms); with `tenants` > 0 the demo's three tenants are
 * spread over that many (`<tenant>-<i>`, round robin), so a topic of many
 * partitions gets work on all of them,
 * at a fixed rate (events/s) or as fast as possible (0). Prints JSON progress
 * lines {"sent": n} and a final {"done": n, "seconds": s}.
 */
import { randomUUID } from 'node:crypto';
import { demoEvents } from '../src/demo/traffic.js';
import { createKafkaEventLog } from '../src/eventlog/kafka/log.js';
import type { LogMessage } from '../src/eventlog/types.js';

const [brokers = '127.0.0.1:19092', topic = 'usage.raw', countText = '10000', rateText = '0', seedText = '1', tenantsText = '0'] = process.argv.slice(2);
const tenants = Number(tenantsText);
const count = Number(countText);
const rate = Number(rateText);
// A load generator on a busy machine: generous timeouts, so a slow acknowledgement is waited for, not an error.
const log = createKafkaEventLog({ brokers: brokers.split(','), producer: { sendTimeoutMs: 30_000, ackTimeoutMs: 20_000 } });
const producer = log.producer();
const events = demoEvents({ seed: Number(seedText) });
const started = Date.now();
const batch = rate > 0 ? Math.max(1, Math.round(rate / 100)) : 1000;
let sent = 0;
while (sent < count) {
  const n = Math.min(batch, count - sent);
  const now = Date.now();
  const messages: LogMessage[] = [];
  for (let i = 0; i < n; i++) {
    const e = events.next().value as Record<string, unknown>;
    const meta = (e.metadata ?? {}) as Record<string, string>;
    const tenant = tenants > 0 ? `${String(e.tenant)}-${(sent + i) % tenants}` : String(e.tenant);
    messages.push({ key: tenant, value: JSON.stringify({ ...e, tenant, event_id: randomUUID(), occurred_at: new Date(now).toISOString(), metadata: { ...meta, sent_at: String(now) } }) });
  }
  await producer.send(topic, messages);
  sent += n;
  if (sent % 10_000 < n) process.stdout.write(JSON.stringify({ sent }) + '\n');
  if (rate > 0) {
    const due = started + (sent / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
await producer.close();
await log.close();
process.stdout.write(JSON.stringify({ done: sent, seconds: (Date.now() - started) / 1000 }) + '\n');
