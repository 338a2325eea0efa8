/**
 * One typed client for tally's API (issue 15, item 4): ingest, quota, budgets
 * and analytics through one request function, and one mapping from error
 * bodies to TallyErrors — the same error answer gives the same TallyError
 * (code, retriable, details.status) whichever caller met it: the client's
 * groups, the recorder's HTTP transport, the HTTP quota client and the CLI's
 * `--url` backend. (Before, four request functions mapped the same 503 to
 * INTERNAL, LOG_UNAVAILABLE or nothing.)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TallyError } from '../../../src/core/errors.js';
import { openBackend } from '../../../src/cli/commands/budgets-backend.js';
import { createTallyClient } from '../../../src/sdk/client/index.js';
import { createQuotaClient } from '../../../src/sdk/quota.js';
import { httpTransport } from '../../../src/sdk/transports/http.js';

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: string }
type Script = (req: Seen) => { status: number; body?: unknown; headers?: Record<string, string> };

let script: Script = () => ({ status: 500 });
const seen: Seen[] = [];
let url = '';
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
    seen.push(s);
    const a = script(s);
    res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) });
    res.end(a.body === undefined ? '' : JSON.stringify(a.body));
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

async function caught(p: Promise<unknown>): Promise<TallyError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(TallyError);
  return err as TallyError;
}

const shape = (e: TallyError): unknown => ({ code: e.code, retriable: e.retriable, status: e.details.status });

describe('the typed client', () => {
  it('sends the key, encodes paths and queries, and reads each group’s answers', async () => {
    seen.length = 0;
    script = (r) => {
      if (r.url.startsWith('/v1/events')) return { status: 202, body: { accepted: 1, event_ids: ['e1'], rejected: [] } };
      if (r.url.startsWith('/v1/budgets/a%2Fb/status')) return { status: 200, body: { budget_id: 'a/b', used: '1' } };
      if (r.url.startsWith('/v1/budgets')) return { status: 201, body: { id: 'new' }, headers: { 'tally-backfill': 'slots=1 counters=2', warning: '299 - "scope.user: use user_id"' } };
      if (r.url.startsWith('/v1/usage/summary')) return { status: 200, body: { totals: { events: 3 } } };
      return { status: 429, body: { error: { code: 'QUOTA_EXCEEDED', message: 'no' }, allowed: false, budgets: [], exceeded: ['b1'], retry_after_seconds: 42 } };
    };
    const tally = createTallyClient({ url: `${url}/`, apiKey: 'sk_1' });
    expect(await tally.ingest.events([{ model: 'm', usage: {} }])).toEqual({ accepted: 1, event_ids: ['e1'], rejected: [] });
    expect(await tally.ingest.ndjson('{"model":"m"}\n')).toMatchObject({ accepted: 1 });
    expect(await tally.budgets.status('a/b', { tenant: 'acme', user_id: 'bob' })).toMatchObject({ budget_id: 'a/b' });
    expect(await tally.budgets.save({ id: 'new' }, { backfill: false })).toEqual({ budget: { id: 'new' }, backfill: 'slots=1 counters=2', warnings: ['scope.user: use user_id'] });
    expect(await tally.analytics.summary({ since: '7d', model: ['a', 'b'] })).toEqual({ totals: { events: 3 } });
    expect(await tally.quota.check({ tenant: 'acme' }, { cost: '1' })).toEqual({ allowed: false, budgets: [], exceeded: ['b1'], retry_after_seconds: 42 });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /v1/events', 'POST /v1/events:ndjson', 'GET /v1/budgets/a%2Fb/status?tenant=acme&user_id=bob', 'POST /v1/budgets?backfill=async',
      'GET /v1/usage/summary?since=7d&model=a&model=b', 'POST /v1/quota/check',
    ]);
    expect(seen.every((s) => s.headers.authorization === 'Bearer sk_1')).toBe(true);
    expect(seen[1]?.headers['content-type']).toBe('application/x-ndjson');
    expect(JSON.parse(seen[5]?.body ?? '')).toEqual({ subject: { tenant: 'acme' }, estimate: { cost: '1' } });
  });

  it('answers an ingest that accepted nothing (400 with rejected items) instead of throwing', async () => {
    script = () => ({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: 'none' }, accepted: 0, event_ids: [], rejected: [{ index: 0, code: 'VALIDATION_FAILED', message: 'model: required', errors: [{ path: 'model', reason: 'is required' }] }] } });
    const answer = await createTallyClient({ url }).ingest.events([{}]);
    expect(answer.rejected).toEqual([{ index: 0, code: 'VALIDATION_FAILED', message: 'model: required', errors: [{ path: 'model', reason: 'is required' }] }]);
    expect(await httpTransport({ url }).send([{ event_id: 'e', model: 'x' } as never])).toEqual({ rejected: [{ index: 0, errors: [{ path: 'model', reason: 'is required' }] }] });
  });

  it('maps one error answer to the same TallyError in every caller', async () => {
    const backend = await openBackend({ url }, { rebuild: false });
    const quota = createQuotaClient({ url });
    const tally = createTallyClient({ url });
    const callers: [string, () => Promise<unknown>][] = [
      ['client.ingest', () => tally.ingest.events([{}])],
      ['client.budgets', () => tally.budgets.list()],
      ['client.analytics', () => tally.analytics.latency()],
      ['transport', () => httpTransport({ url }).send([])],
      ['quota client', () => quota.check({ tenant: 'a' })],
      ['cli --url backend', () => backend.statuses({ tenant: 'a' })],
    ];
    const answers: [string, ReturnType<Script>, unknown][] = [
      ['503 with a catalog code', { status: 503, body: { error: { code: 'COUNTERS_UNAVAILABLE', message: 'lost', details: { retry_after_seconds: 1 } } } }, { code: 'COUNTERS_UNAVAILABLE', retriable: true, status: 503 }],
      ['403 with a catalog code', { status: 403, body: { error: { code: 'FORBIDDEN', message: 'not yours' } } }, { code: 'FORBIDDEN', retriable: false, status: 403 }],
      ['502 from a proxy, no body', { status: 502 }, { code: 'LOG_UNAVAILABLE', retriable: true, status: 502 }],
      ['401 with an unknown code', { status: 401, body: { error: { code: 'WHO_ARE_YOU', message: '?' } } }, { code: 'UNAUTHORIZED', retriable: false, status: 401 }],
    ];
    for (const [what, answer, expected] of answers) {
      script = () => answer;
      for (const [name, call] of callers) expect(shape(await caught(call())), `${name}: ${what}`).toEqual(expected);
    }
    script = () => ({ status: 404, body: { error: { code: 'BUDGET_NOT_FOUND', message: 'No budget "x"' } } });
    const e = await caught(tally.budgets.get('x'));
    expect(e.message).toBe(`GET ${url}/v1/budgets/x answered 404: No budget "x"`);
  });

  it('names tally being away by what was asked: LOG_, COUNTERS_ or STORE_UNAVAILABLE, retriable', async () => {
    const away = createTallyClient({ url: 'http://127.0.0.1:9', timeoutMs: 2000 });
    expect(shape(await caught(away.ingest.events([])))).toEqual({ code: 'LOG_UNAVAILABLE', retriable: true, status: undefined });
    expect(shape(await caught(away.quota.reserve({ tenant: 'a' }, { cost: '1' })))).toEqual({ code: 'COUNTERS_UNAVAILABLE', retriable: true, status: undefined });
    expect(shape(await caught(away.budgets.list()))).toEqual({ code: 'COUNTERS_UNAVAILABLE', retriable: true, status: undefined });
    expect(shape(await caught(away.analytics.summary()))).toEqual({ code: 'STORE_UNAVAILABLE', retriable: true, status: undefined });
  });
});
