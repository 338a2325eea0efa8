/**
 * A deterministic workload for the stream tests, with its expected totals
 * computed here from the providers' published prices — independently of
 * tally's pricer — in exact femto-USD.
 */
import type { LogProducer } from '../../../src/eventlog/types.js';
import { formatUsd } from '../../../src/core/money.js';

/** USD per million tokens → femto-USD per token. */
const perM = (usd: string): bigint => BigInt(Math.round(Number(usd) * 1e6)) * 1000n;
const GPT4O_MINI = { input: perM('0.15'), cached: perM('0.075'), output: perM('0.60') };
const HAIKU_3 = { input: perM('0.25'), cached: perM('0.03'), output: perM('1.25') };

export type Item =
  | { kind: 'valid' | 'unknown' | 'duplicate'; event: Record<string, unknown> }
  | { kind: 'invalid'; raw: string };

export interface Workload {
  readonly items: readonly Item[];
  readonly expected: { events: number; unpriced: number; invalid: number; tokens: bigint; cost: string };
}

export function workload(n: number, at: Date, seed = ''): Workload {
  const items: Item[] = [];
  let tokens = 0n;
  let cost = 0n;
  let events = 0;
  let unpriced = 0;
  let invalid = 0;
  const valid: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const tenant = ['acme', 'globex', 'initech', 'umbrella'][i % 4] as string;
    const occurred_at = new Date(at.getTime() - (i % 3600) * 1000).toISOString();
    const base = { event_id: `${seed}e-${i}`, tenant, user_id: `u${i % 37}`, occurred_at };
    const bucket = i % 100;
    if (bucket === 0) {
      invalid++;
      const faults = [
        JSON.stringify({ ...base, provider: 'openai', usage: { prompt_tokens: 3 } }),
        JSON.stringify({ ...base, provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: -3, completion_tokens: 1 } }),
        `{"event_id":"${seed}e-${i}","model":"gpt-4o-mini","usage":{`,
      ];
      items.push({ kind: 'invalid', raw: faults[i % 3] as string });
      continue;
    }
    if (bucket === 1 && valid.length > 0) {
      items.push({ kind: 'duplicate', event: valid[(i * 7) % valid.length] as Record<string, unknown> });
      continue;
    }
    const p = 100 + (i % 900);
    const o = 10 + (i % 300);
    let event: Record<string, unknown>;
    if (bucket === 2) {
      event = { ...base, provider: 'acme-internal', model: 'acme-llm-7b', usage: { prompt_tokens: p, completion_tokens: o } };
      unpriced++;
      tokens += BigInt(p + o);
    } else if (i % 2 === 0) {
      const c = (i % 5) * 16 > p ? 0 : (i % 5) * 16;
      event = { ...base, provider: 'openai', model: 'gpt-4o-mini-2024-07-18', usage: { prompt_tokens: p, completion_tokens: o, prompt_tokens_details: { cached_tokens: c } } };
      tokens += BigInt(p + o);
      cost += BigInt(p - c) * GPT4O_MINI.input + BigInt(c) * GPT4O_MINI.cached + BigInt(o) * GPT4O_MINI.output;
    } else {
      const r = (i % 7) * 50;
      event = { ...base, provider: 'anthropic', model: 'claude-3-haiku-20240307', usage: { input_tokens: p, output_tokens: o, cache_read_input_tokens: r } };
      tokens += BigInt(p + o + r);
      cost += BigInt(p) * HAIKU_3.input + BigInt(r) * HAIKU_3.cached + BigInt(o) * HAIKU_3.output;
    }
    events++;
    valid.push(event);
    items.push({ kind: bucket === 2 ? 'unknown' : 'valid', event });
  }
  return { items, expected: { events, unpriced, invalid, tokens, cost: formatUsd(cost) } };
}

/**
 * Sends the items to `topic` as a steady stream while a test kills and restarts
 * processors: 250 records (keyed by tenant; invalid ones under `acme`) every 120 ms.
 */
export async function produceSteadily(producer: LogProducer, topic: string, items: readonly Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += 250) {
    const messages = items.slice(i, i + 250).map((item) => ({
      key: item.kind === 'invalid' ? 'acme' : String(item.event.tenant),
      value: item.kind === 'invalid' ? item.raw : JSON.stringify(item.event),
    }));
    await producer.send(topic, messages);
    await new Promise((r) => setTimeout(r, 120));
  }
}
