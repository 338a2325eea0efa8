/**
 * Issue 10, item 8: open-access mode (no API keys, `tally start` on
 * 127.0.0.1) cannot be driven by a web page. A request naming another Host
 * (DNS rebinding: a page on evil.example whose name now resolves to
 * 127.0.0.1) is refused before any route runs; a request from another
 * origin is refused; a cross-site "simple" POST (text/plain, no preflight)
 * stores nothing. With API keys the key is the protection, and the Host check
 * is on only when hosts are configured.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { allowedHostsFor } from '../../../src/api/web-guard.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createDirectEventLog } from '../../../src/eventlog/direct/log.js';
import type { EventLog, LogRecord } from '../../../src/eventlog/types.js';
import { createIngestService } from '../../../src/ingest/service.js';

const KEY = 'sk_platform_admin_0123456789';
let log: EventLog;
let app: FastifyInstance;

async function build(options: { openAccess: boolean; boundHost: string; configured?: readonly string[] }): Promise<void> {
  log = createDirectEventLog();
  await log.ensureTopics([{ name: 'usage.raw', partitions: 1 }]);
  const metrics = createMetrics({ defaultMetrics: false });
  app = await createApp({
    logger: silentLogger(), metrics, health: new HealthState(), openAccess: options.openAccess, bodyLimitBytes: 1024 * 1024,
    keyring: new ApiKeyring(options.openAccess ? [] : [{ id: 'p', key: KEY, tenant: '*', role: 'admin' }]),
    allowedHosts: allowedHostsFor({ openAccess: options.openAccess, boundHost: options.boundHost, configured: options.configured ?? [] }),
    services: { ingest: createIngestService({ producer: log.producer(), rawTopic: 'usage.raw', metrics }) },
  });
}
afterEach(async () => {
  await app.close();
  await log.close();
});

async function records(): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of log.replay({ topic: 'usage.raw', from: { earliest: true } })) out.push(r);
  return out;
}

const EVENT = JSON.stringify({ provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 1 } });
const ingest = (headers: Record<string, string>, type = 'application/json'): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': type, ...headers }, payload: EVENT });

describe('open access (no keys, bound to 127.0.0.1)', () => {
  it('answers the names of this machine, on any port', async () => {
    await build({ openAccess: true, boundHost: '127.0.0.1' });
    for (const host of ['127.0.0.1:8787', 'localhost:8787', 'LOCALHOST', '[::1]:8787', '127.0.0.1']) {
      expect((await ingest({ host })).statusCode, host).toBe(202);
    }
    expect((await app.inject({ url: '/healthz', headers: { host: 'localhost:1' } })).statusCode).toBe(200);
  });

  it('refuses any other Host before the route runs (DNS rebinding), reads and writes alike', async () => {
    await build({ openAccess: true, boundHost: '127.0.0.1' });
    for (const host of ['evil.example:8787', 'evil.example', '127.0.0.1.evil.example', 'localhost.evil.example:8787', '10.0.0.1:8787', '[::2]:8787']) {
      const write = await ingest({ host });
      expect(write.statusCode, host).toBe(403);
      expect(write.json()).toEqual({ error: { code: 'HOST_NOT_ALLOWED', message: expect.stringContaining('api.allowedHosts'), details: { host: expect.any(String) } } });
      expect((await app.inject({ url: '/openapi.json', headers: { host } })).statusCode, host).toBe(403);
    }
    expect(await records()).toEqual([]);
  });

  it('refuses a request from another origin, and a null origin, but not this origin', async () => {
    await build({ openAccess: true, boundHost: '127.0.0.1' });
    for (const origin of ['http://evil.example', 'https://127.0.0.1.evil.example', 'null', 'file://', 'http://localhost.evil.example:8787']) {
      const res = await ingest({ host: '127.0.0.1:8787', origin });
      expect(res.statusCode, origin).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'CROSS_ORIGIN_REFUSED', details: { origin } });
    }
    expect((await ingest({ host: '127.0.0.1:8787', origin: 'http://127.0.0.1:8787' })).statusCode).toBe(202);
    expect((await ingest({ host: 'localhost:8787', origin: 'http://localhost:8787' })).statusCode).toBe(202);
    expect((await records()).length).toBe(2);
  });

  it('stores nothing from a simple cross-site POST (text/plain needs no preflight), with or without Origin', async () => {
    await build({ openAccess: true, boundHost: '127.0.0.1' });
    expect((await ingest({ host: '127.0.0.1:8787', origin: 'http://evil.example' }, 'text/plain')).statusCode).toBe(403);
    expect((await ingest({ host: '127.0.0.1:8787' }, 'text/plain')).statusCode).toBe(415);
    expect((await ingest({ host: '127.0.0.1:8787' }, 'application/x-www-form-urlencoded')).statusCode).toBe(415);
    expect((await app.inject({ method: 'POST', url: '/v1/events:ndjson', headers: { host: '127.0.0.1', 'content-type': 'text/plain' }, payload: EVENT })).statusCode).toBe(415);
    expect(await records()).toEqual([]);
  });

  it('answers the configured names too, and every name with "*"', async () => {
    await build({ openAccess: true, boundHost: '127.0.0.1', configured: ['tally.internal', '.corp.example'] });
    for (const host of ['tally.internal:8787', 'a.corp.example', 'corp.example', 'localhost']) expect((await ingest({ host })).statusCode, host).toBe(202);
    expect((await ingest({ host: 'evil.example' })).statusCode).toBe(403);
    expect((await ingest({ host: 'tally.internal', origin: 'https://tally.internal' })).statusCode).toBe(202);
    await app.close();
    await log.close();
    await build({ openAccess: true, boundHost: '127.0.0.1', configured: ['*'] });
    expect((await ingest({ host: 'anything.example', origin: 'http://anything.example' })).statusCode).toBe(202);
  });
});

describe('with API keys', () => {
  it('checks no Host or Origin unless hosts are configured (the key is the protection)', async () => {
    await build({ openAccess: false, boundHost: '0.0.0.0' });
    expect((await ingest({ host: 'tally.svc.cluster.local:8787', origin: 'http://elsewhere.example', authorization: `Bearer ${KEY}` })).statusCode).toBe(202);
    expect((await ingest({ host: 'tally.svc.cluster.local:8787' })).statusCode).toBe(401);
  });

  it('checks them when hosts are configured, with the bound host among the names', async () => {
    await build({ openAccess: false, boundHost: '10.1.2.3', configured: ['tally.example.com'] });
    for (const host of ['tally.example.com', '10.1.2.3:8787', 'localhost']) expect((await ingest({ host, authorization: `Bearer ${KEY}` })).statusCode, host).toBe(202);
    expect((await ingest({ host: 'other.example', authorization: `Bearer ${KEY}` })).statusCode).toBe(403);
  });
});
