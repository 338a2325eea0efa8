/**
 * Issue 14, item 4: a per-budget policy for counter-store outages. `tally
 * start` (the embedded process: HTTP API + processor over the direct log, a
 * chDB store of this test's own) with its counters in a Redis of this test's
 * own (`scripts/services.sh`, never the shared one), budget leases on. One
 * Redis stop/start cycle serves every policy, each on its own tenant:
 *
 *   open    hard cap, outage_policy fail_open   — over its cap before the outage
 *   closed  hard cap, outage_policy fail_closed
 *   mixed   one fail_open and one fail_closed budget: the strictest wins
 *   leased  hard cap, outage_policy leases      — far from its cap, a live lease
 *
 * Before (Redis up), during (Redis killed) and after (Redis started again —
 * empty: no persistence, so the counters were also lost and are rebuilt from
 * the store): what checks and reservations answer, /readyz (its `counters`
 * section and the `redis` check), the metrics, and that every budget's `used`
 * equals the store's sums afterwards — the events sent during the outage
 * included — without anyone running `tally reconcile`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { startEmbedded, type Embedded } from '../../../src/runtime/processes/embedded.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { testContext } from '../../support/context.js';
import { ownServices, type OwnServices } from '../../support/own-services.js';
import { describeWith, uniqueName } from '../../support/services.js';
import { storeSums, usageEvent } from './setup.js';

const KEY = 'sk_outage_admin_0123456789';
type Json = Record<string, unknown>;

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeWith(['redis'], 'counter-store outage: per-budget policy (own Redis killed and started empty)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-outage-'));
  let services: OwnServices;
  let store: AnalyticsStore;
  let tally: Embedded;

  beforeAll(async () => {
    services = await ownServices('outage');
    await services.run('start', 'redis');
    store = await createChdbStore({ dataDir, database: uniqueName('outage') });
    await migrate(store);
    const cap = (id: string, tenant: string, limit: string, outage_policy: string): Json => ({ id, name: id, metric: 'cost', limit, period: 'monthly', scope: { tenant }, outage_policy });
    const config = loadConfig({
      env: {},
      overrides: {
        redis: { url: services.redisUrl, keyPrefix: 'tally' },
        api: { host: '127.0.0.1', port: 0, keys: [{ id: 'admin', key: KEY, tenant: '*', role: 'admin' }] },
        processor: { maxWaitTimeMs: 20, minBytes: 1 },
        budgets: {
          // The `leases` policy answers for at most ttl − margin (the defaults: 10 − 3 = 7 s) after the last renewal.
          leases: { enabled: true, ttlMs: 10_000, renewMs: 200, refreshMs: 400, headroomFactor: 8 },
          defaults: [
            cap('open-cap', 'open', '0.0001', 'fail_open'),
            cap('closed-cap', 'closed', '1', 'fail_closed'),
            cap('mixed-open', 'mixed', '1', 'fail_open'),
            cap('mixed-closed', 'mixed', '1', 'fail_closed'),
            cap('leased-cap', 'leased', '100', 'leases'),
          ],
        },
      } as never,
    });
    tally = await startEmbedded(testContext(config), {
      store,
      budgets: { pollMs: 100, epochProbeMs: 200 },
      processor: { retryInitialDelayMs: 50, retryMaxDelayMs: 300 },
    });
  }, 120_000);

  afterAll(async () => {
    await tally?.close();
    await store?.close();
    await services?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (method: 'GET' | 'POST', url: string, body?: unknown): Promise<LightMyRequestResponse> =>
    tally.app.inject({ method, url, headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
  const check = (tenant: string, estimate?: Json): Promise<LightMyRequestResponse> => call('POST', '/v1/quota/check', { subject: { tenant, user_id: 'ann' }, ...(estimate ? { estimate } : {}) });
  const reserve = (tenant: string): Promise<LightMyRequestResponse> => call('POST', '/v1/quota/reserve', { subject: { tenant, user_id: 'ann' }, estimate: { cost: '0.0001' } });
  const settle = (id: string): Promise<LightMyRequestResponse> => call('POST', '/v1/quota/settle', { reservation_id: id });
  const readyz = async (): Promise<{ status: number; body: Json }> => {
    const r = await tally.app.inject('/readyz');
    return { status: r.statusCode, body: r.json() };
  };
  const metric = async (name: string, labels: string): Promise<number> => {
    const text = (await tally.app.inject('/metrics')).body;
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`) || (labels === '' && l.startsWith(`${name} `)));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  const send = async (tenant: string, n: number): Promise<void> => {
    const r = await call('POST', '/v1/events', Array.from({ length: n }, () => usageEvent(tenant, 'ann', 100, 10)));
    expect(r.statusCode, r.body).toBe(202);
  };
  const used = async (budget: string, tenant: string): Promise<string> => {
    const r = await call('GET', `/v1/budgets/${budget}/status?tenant=${tenant}`);
    return r.statusCode === 200 ? String(r.json().used) : `HTTP ${r.statusCode}`;
  };
  const caughtUp = async (): Promise<boolean> => {
    for (const [budget, tenant] of [['open-cap', 'open'], ['closed-cap', 'closed'], ['mixed-open', 'mixed'], ['leased-cap', 'leased']] as const) {
      if ((await used(budget, tenant)) !== (await storeSums(store, tenant)).cost) return false;
    }
    return true;
  };

  it('answers per budget policy while Redis is down, shows it on /readyz and in metrics, and is exact once Redis is back', { timeout: 90_000 }, async () => {
    const t0 = Date.now();
    const phase = (what: string): void => console.log(`[outage] +${((Date.now() - t0) / 1000).toFixed(2)}s ${what}`);

    // ─── before ───────────────────────────────────────────────────────────
    await send('open', 6); // 6 × $0.000021 > the $0.0001 cap
    await send('closed', 3);
    await send('mixed', 2);
    await send('leased', 4);
    await until('the processor counted every event', caughtUp, Boolean);
    expect((await check('open')).statusCode).toBe(429);
    expect((await check('closed')).statusCode).toBe(200);
    expect((await check('mixed')).statusCode).toBe(200);
    // The leased subject takes a lease sized by its reservations' estimates.
    for (let i = 0; i < 20; i++) {
      const r = await reserve('leased');
      expect(r.statusCode).toBe(200);
      expect((await settle(String(r.json().reservation_id))).statusCode).toBe(200);
    }
    await until('a live lease for the leased tenant', async () => (await reserve('leased')).json() as Json, (r) => String(r.reservation_id).startsWith('l1.'));
    const before = await readyz();
    expect(before.status).toBe(200);
    expect(before.body.counters).toMatchObject({ store: 'reachable', kind: 'redis', outage_policy: { default: 'store', budgets: { fail_open: 2, fail_closed: 2, leases: 1 } } });
    expect(await metric('tally_counter_store_up', '')).toBe(1);
    phase('before: open 429 (over its cap), closed and mixed 200, leased answered from a lease');

    // ─── during: Redis killed (SIGKILL: gone at once, its data with it) ────
    const stopMs = await services.run('kill', 'redis');
    phase(`redis killed (${stopMs} ms)`);

    // leases: the live lease keeps answering while Redis is away …
    const stoppedAt = Date.now();
    const leasedCheck = await check('leased');
    expect(leasedCheck.statusCode, leasedCheck.body).toBe(200);
    expect(leasedCheck.json()).toMatchObject({ allowed: true, outage: { policy: 'leases', reason: 'unreachable' } });
    expect(leasedCheck.json().budgets[0].used_as_of).toEqual(expect.any(String));
    const grant = await reserve('leased');
    expect(grant.json()).toMatchObject({ granted: true, outage: { policy: 'leases' } });
    expect(String(grant.json().reservation_id)).toMatch(/^l1\./);
    expect((await settle(String(grant.json().reservation_id))).json()).toMatchObject({ status: 'released' });
    expect(tally.budgets.engine.leaseStats()).toMatchObject({ degraded: 1 });

    // fail_open: allowed without reading the counters — even over its cap — and the reservation holds nothing.
    const open = await check('open');
    expect(open.statusCode, open.body).toBe(200);
    expect(open.json()).toMatchObject({ allowed: true, budgets: [], outage: { policy: 'fail_open', reason: 'unreachable' } });
    const openRes = await reserve('open');
    expect(openRes.json()).toMatchObject({ granted: true, outage: { policy: 'fail_open' } });
    expect(String(openRes.json().reservation_id)).toMatch(/^r1\.n\./);
    expect((await settle(String(openRes.json().reservation_id))).json()).toMatchObject({ status: 'released' });
    // fail_closed, and the strictest of a subject's budgets: 503 with Retry-After, at once.
    for (const tenant of ['closed', 'mixed']) {
      const started = Date.now();
      const r = await check(tenant);
      expect(r.statusCode, `${tenant}: ${r.body}`).toBe(503);
      expect(r.headers['retry-after']).toBe('1');
      expect(r.json().error).toMatchObject({ code: 'COUNTERS_UNAVAILABLE', details: { reason: 'unreachable' } });
      expect(Date.now() - started, 'a refusal does not wait for reconnection attempts').toBeLessThan(1_000);
    }
    expect((await reserve('closed')).statusCode).toBe(503);
    // Usage keeps arriving. `tally start` answers 202 once an event is stored and counted: these wait for Redis.
    const lateSend = send('open', 3);

    const during = await readyz();
    expect(during.status).toBe(503);
    expect(during.body.checks).toMatchObject({ redis: { ok: false } });
    expect(during.body.counters).toMatchObject({ store: 'unreachable', outage_policy: { budgets: { fail_open: 2, fail_closed: 2, leases: 1 } } });
    expect(await metric('tally_counter_store_up', '')).toBe(0);
    // … until it expires (ttl − margin after its last renewal), then it is fail_closed.
    let answered = 0;
    const expired = await until('the lease expired', async () => {
      const r = await check('leased');
      if (r.statusCode === 200) answered++;
      return r;
    }, (r) => r.statusCode !== 200, 12_000);
    expect(expired.statusCode).toBe(503);
    expect(expired.json().error).toMatchObject({ code: 'COUNTERS_UNAVAILABLE' });
    phase(`the lease answered ${answered} more checks for ${Date.now() - stoppedAt} ms after Redis was found away (its validity: at most ttl − margin = 7 s after its last renewal)`);
    phase('during: open 200 (fail_open), closed and mixed 503, leased 200 from its lease, then 503 once it expired');

    expect(await metric('tally_quota_unreachable_answers_total', 'policy="fail_open",outcome="open"')).toBeGreaterThanOrEqual(2);
    expect(await metric('tally_quota_unreachable_answers_total', 'policy="fail_closed",outcome="unavailable"')).toBeGreaterThanOrEqual(3);
    expect(await metric('tally_quota_unreachable_answers_total', 'policy="leases",outcome="lease"')).toBeGreaterThanOrEqual(2);
    expect(await metric('tally_quota_unreachable_answers_total', 'policy="leases",outcome="unavailable"')).toBeGreaterThanOrEqual(1);

    // ─── after: Redis started again, empty ────────────────────────────────
    const startMs = await services.run('start', 'redis');
    phase(`redis started empty (${startMs} ms)`);
    await lateSend;
    phase('the events sent during the outage: 202');
    await until('/readyz ready, counters reachable', readyz, (r) => r.status === 200 && (r.body.counters as Json).store === 'reachable');
    await until('every budget equal to the store (rebuilt, then the outage events applied)', caughtUp, Boolean, 30_000);
    phase('after: ready; every status equals the store');
    expect(await used('open-cap', 'open')).toBe((await storeSums(store, 'open')).cost);
    expect((await storeSums(store, 'open')).requests).toBe('9');
    expect((await check('open')).statusCode).toBe(429);
    const openAfter = await check('open');
    expect(openAfter.json().outage).toBeUndefined();
    for (const tenant of ['closed', 'mixed', 'leased']) {
      const r = await check(tenant);
      expect(r.statusCode, `${tenant}: ${r.body}`).toBe(200);
      expect(r.json().outage).toBeUndefined();
    }
    // Nothing the outage answered is still held: the fail_open reservation held nothing, the lease went with the data.
    const openStatus = (await call('GET', '/v1/budgets/open-cap/status?tenant=open')).json();
    expect(openStatus.reserved).toBe('0');
    expect(await metric('tally_counter_store_up', '')).toBe(1);
  });
});
