/**
 * `npm run bench -- sdk-wrap [--calls N] [--redis URL]`: what a
 * self-enforcing wrapper adds to each call, in CPU of the calling process.
 *
 * - the one-time cost of building a tiktoken encoding (o200k_base, cl100k_base);
 * - counting a prompt: the OpenAI cookbook's 6 messages (124 tokens) and a
 *   ~2,000-token conversation, with tiktoken (o200k_base) and with the
 *   characters/3.5 approximation;
 * - a whole wrapped call against a stub client (no network: the provider's
 *   answer is a resolved promise), one at a time: unwrapped, wrapped without a
 *   quota client (recording only), and wrapped with the in-process quota client
 *   on Redis — budget leases on (reservations answered in memory) and off (a
 *   Redis round trip to reserve and one to settle). The stub's own cost is in
 *   the unwrapped line; the difference is the wrapper's.
 *
 * Results: bench/results/sdk-wrap.json (µs CPU per call = user + system of
 * this process, every thread, divided by the calls; wall µs per call).
 */
import { loadavg } from 'node:os';
import { createQuotaClient } from '../src/sdk/quota.js';
import { wrapOpenAI } from '../src/sdk/wrappers/openai.js';
import { APPROXIMATE, messageTokens, tokenizer } from '../src/sdk/wrappers/tokens.js';
import { createRedisCounterStore } from '../src/counters/redis/store.js';
import { cpuMs, cpuMsAsync, fmt, writeResult } from './results.js';

const COOKBOOK = [
  { role: 'system', content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.' },
  { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
  { role: 'system', name: 'example_user', content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
  { role: 'system', name: 'example_assistant', content: "Let's talk later when we're less busy about how to do better." },
  { role: 'user', content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];

/** A support conversation of about 2,000 tokens: 20 turns of varied text. */
function longConversation(): { role: string; content: string }[] {
  const words = 'invoice refund subscription upgrade billing period account workspace seat license renewal discount tax receipt payment card declined retry support ticket priority escalation engineer timeline migration export import'.split(' ');
  const out: { role: string; content: string }[] = [{ role: 'system', content: 'You are the billing assistant of Acme Cloud. Answer briefly, cite the invoice number, never promise refunds.' }];
  let seed = 7;
  for (let turn = 0; turn < 20; turn++) {
    const parts: string[] = [];
    for (let w = 0; w < 75; w++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      parts.push(words[seed % words.length] ?? 'invoice');
      if (w % 12 === 11) parts.push(`#${seed % 100_000}.`);
    }
    out.push({ role: turn % 2 === 0 ? 'user' : 'assistant', content: parts.join(' ') });
  }
  return out;
}

const COMPLETION = {
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1741569952, model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Things are fine.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 124, completion_tokens: 5, total_tokens: 129 },
};

/** A client with the OpenAI client's shape whose `create` answers at once. */
function stubClient(): { chat: { completions: { create(params: unknown): Promise<unknown> } } } {
  return { chat: { completions: { create: () => Promise.resolve(COMPLETION) } } };
}

function arg(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function runSdkWrapBench(args: readonly string[]): Promise<void> {
  const calls = Number(arg(args, 'calls') ?? 2000);
  const redisUrl = arg(args, 'redis') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const load = loadavg();
  const figures: Record<string, unknown> = {};
  const line = (name: string, cpuUs: number, wallUs?: number): void => {
    figures[name] = { cpu_us_per_call: Number(cpuUs.toFixed(1)), ...(wallUs === undefined ? {} : { wall_us_per_call: Number(wallUs.toFixed(1)) }) };
    console.log(`${name.padEnd(58)} ${fmt(cpuUs, 1).padStart(9)} µs CPU${wallUs === undefined ? '' : ` ${fmt(wallUs, 1).padStart(9)} µs wall`}`);
  };

  // One-time: building the encodings.
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    const t = performance.now();
    const cpu = await cpuMsAsync(async () => void (await tokenizer(encoding)));
    figures[`load ${encoding} (once per process)`] = { cpu_ms: Math.round(cpu), wall_ms: Math.round(performance.now() - t) };
    console.log(`${`load ${encoding} (once per process)`.padEnd(58)} ${fmt(cpu, 0).padStart(9)} ms CPU`);
  }

  // Counting prompts.
  const o200k = await tokenizer('o200k_base');
  const long = longConversation();
  const longTokens = messageTokens(long, o200k);
  // Fresh texts every call (nothing remembered): each message gets a unique suffix.
  let unique = 0;
  const fresh = (messages: readonly { role: string; content: string; name?: string }[]): { role: string; content: string }[] => messages.map((m) => ({ ...m, content: `${m.content} ${++unique}` }));
  for (const [name, messages, counter] of [
    [`tiktoken o200k: cookbook prompt (${messageTokens(COOKBOOK, o200k)} tokens), fresh texts`, COOKBOOK, o200k],
    [`tiktoken o200k: conversation (${longTokens} tokens), fresh texts`, long, o200k],
    [`approximate chars/3.5: conversation (~${messageTokens(long, APPROXIMATE)} tokens)`, long, APPROXIMATE],
  ] as const) {
    const n = counter === APPROXIMATE ? calls * 10 : Math.max(50, Math.round(calls / (messages === long ? 10 : 1)));
    const inputs = Array.from({ length: n }, () => fresh(messages));
    line(name, (cpuMs(() => { for (const m of inputs) messageTokens(m, counter); }) * 1000) / n);
  }
  // A conversation's next turn: every earlier message was counted on the previous call (remembered), one new message is not.
  const turns = Array.from({ length: calls }, () => [...long, { role: 'user', content: `${long[1]?.content ?? ''} ${++unique}` }]);
  messageTokens(long, o200k);
  line(`tiktoken o200k: next turn of the conversation (earlier turns remembered)`, (cpuMs(() => { for (const m of turns) messageTokens(m, o200k); }) * 1000) / calls);

  // Whole calls against the stub, one at a time.
  const recorder = { record: (): string => 'ev' };
  const budgets = [{ id: 'bench-tokens', name: 'bench', metric: 'tokens' as const, limit: 1_000_000_000_000, period: 'monthly' as const, scope: { tenant: '*' } }];
  const prefix = `bench-sdkwrap-${Date.now()}:`;
  type Client = { chat: { completions: { create(params: unknown): PromiseLike<unknown> } } };
  const wholeCalls = async (name: string, client: Client): Promise<void> => {
    const run = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK, max_tokens: 100 });
    };
    await run(200); // warm-up (leases are taken here)
    const t = performance.now();
    const cpu = await cpuMsAsync(() => run(calls));
    line(name, (cpu * 1000) / calls, ((performance.now() - t) * 1000) / calls);
  };
  await wholeCalls('unwrapped stub call (baseline)', stubClient());
  await wholeCalls('wrapped, recording only', wrapOpenAI(stubClient(), { recorder }));
  // One quota client open at a time (a leased client renews its leases in the background: its CPU would count in the other's figures).
  const estimate = { model: 'gpt-4o', input_tokens: 124, max_tokens: 100, requests: 1 };
  for (const [label, leases] of [['leases off', false], ['leases on', {}]] as const) {
    const quota = createQuotaClient({ redis: { url: redisUrl, prefix }, budgets, leases });
    // The quota client alone: reserve + settle, released or with an event (what a wrapped call does after counting its prompt).
    for (const withEvent of [false, true]) {
      const run = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          const r = await quota.reserve({ tenant: 'acme', model: 'gpt-4o', provider: 'openai' }, estimate);
          await quota.settle(r.reservation_id ?? '', withEvent ? { event_id: `ev-${i}` } : undefined);
        }
      };
      await run(100);
      const t = performance.now();
      const cpu = await cpuMsAsync(() => run(calls));
      line(`quota client, ${label}: reserve + settle ${withEvent ? '(with event)' : '(release)'}`, (cpu * 1000) / calls, ((performance.now() - t) * 1000) / calls);
    }
    await wholeCalls(`wrapped + in-process quota, ${label} (cookbook prompt)`, wrapOpenAI(stubClient(), { recorder, quota, identity: { tenant: 'acme' } }));
    await new Promise((r) => setTimeout(r, 200)); // the last settles
    await quota.close();
  }
  const store = await createRedisCounterStore({ url: redisUrl, prefix });
  await store.clear();
  await store.close();

  const file = writeResult({ benchmark: 'sdk-wrap', conditions: { calls, redisUrl, loadavg1: Number(load[0]?.toFixed(2)), loadavg5: Number(load[1]?.toFixed(2)), note: 'one call at a time; stub provider (no network); in-process quota client on Redis' }, figures });
  console.log(`load average ${load.map((l) => l.toFixed(2)).join(' ')}; written ${file}`);
}
