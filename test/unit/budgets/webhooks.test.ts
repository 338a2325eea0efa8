import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookNotifier, signPayload, verifySignature, type DeliveryReport } from '../../../src/budgets/webhooks.js';
import type { ThresholdCrossing } from '../../../src/budgets/types.js';

const SECRET = 'a-very-secret-secret';

const crossing: ThresholdCrossing = {
  id: 'al_123',
  tenant: 'acme',
  body: {
    type: 'budget.threshold_crossed', alert_id: 'al_123', budget_id: 'b', budget_name: 'B', tenant: 'acme', subject: { user_id: 'bob' }, metric: 'cost', token_class: null,
    enforcement: 'hard', threshold: 80, below: null, used: '8.5', remaining: '1.5', limit: '10', percentage: 85, exceeded: false, period: 'monthly', timezone: 'UTC', window: null, bucket: '2026-03',
    period_start: '2026-03-01T00:00:00.000Z', resets_at: '2026-04-01T00:00:00.000Z', crossed_at: '2026-03-08T12:00:00.000Z', metadata: {},
  },
};

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | null = null;

async function serve(answer: (n: number) => { status: number; headers?: Record<string, string>; delayMs?: number }): Promise<{ url: string; got: Received[] }> {
  const got: Received[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      const a = answer(got.length);
      setTimeout(() => {
        res.writeHead(a.status, a.headers);
        res.end('x');
      }, a.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

const fast = { initialDelayMs: 5, maxDelayMs: 50 };

describe('alert webhooks', () => {
  it('POSTs the alert signed with HMAC-SHA256 over timestamp and body', async () => {
    const { url, got } = await serve(() => ({ status: 204 }));
    const reports = await new WebhookNotifier({ targets: [{ url, secret: SECRET }], ...fast }).send([crossing]);
    expect(reports).toMatchObject([{ ok: true, attempts: 1, status: 204, alert_id: 'al_123' }]);
    const [r] = got;
    expect(JSON.parse(r?.body ?? '')).toEqual(crossing.body);
    expect(r?.headers[DELIVERY_HEADER]).toBe('al_123');
    expect(r?.headers['content-type']).toBe('application/json');
    const ts = String(r?.headers[TIMESTAMP_HEADER]);
    const sig = String(r?.headers[SIGNATURE_HEADER]);
    expect(sig).toBe(signPayload(SECRET, Number(ts), r?.body ?? ''));
    expect(verifySignature(SECRET, sig, ts, r?.body ?? '')).toBe(true);
    expect(verifySignature('another-secret-000', sig, ts, r?.body ?? '')).toBe(false);
    expect(verifySignature(SECRET, sig, ts, `${r?.body} `)).toBe(false);
    expect(verifySignature(SECRET, sig, ts, r?.body ?? '', { now: (Number(ts) + 301) * 1000 })).toBe(false);
  });

  it('retries 5xx, network errors and 429 (Retry-After), then succeeds with the same delivery id', async () => {
    const { url, got } = await serve((n) => (n === 1 ? { status: 503 } : n === 2 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 200 }));
    const notifier = new WebhookNotifier({ targets: [{ url, secret: SECRET }], ...fast });
    const [report] = await notifier.send([crossing]);
    expect(report).toMatchObject({ ok: true, attempts: 3, status: 200 });
    expect(new Set(got.map((g) => g.headers[DELIVERY_HEADER]))).toEqual(new Set(['al_123']));
    expect(notifier.stats()).toEqual({ delivered: 1, failed: 0, retries: 2 });
  });

  it('gives up visibly: 4xx is not retried, an endpoint down is retried then reported', async () => {
    const { url } = await serve(() => ({ status: 410 }));
    const seen: DeliveryReport[] = [];
    const notifier = new WebhookNotifier({ targets: [{ url, secret: SECRET }, { url: 'http://127.0.0.1:1/down', secret: SECRET }], retries: 2, ...fast, onDelivery: (r) => seen.push(r) });
    const reports = await notifier.send([crossing]);
    expect(reports[0]).toMatchObject({ ok: false, attempts: 1, status: 410 });
    expect(reports[1]).toMatchObject({ ok: false, attempts: 3, status: null });
    expect(reports[1]?.error).toMatch(/unreachable/);
    expect(notifier.stats()).toMatchObject({ delivered: 0, failed: 2 });
    expect(notifier.recentFailures()).toHaveLength(2);
    expect(seen).toHaveLength(2);
  });

  it('times out a slow endpoint and retries', async () => {
    const { url } = await serve((n) => (n === 1 ? { status: 200, delayMs: 300 } : { status: 200 }));
    const [report] = await new WebhookNotifier({ targets: [{ url, secret: SECRET }], timeoutMs: 100, ...fast }).send([crossing]);
    expect(report).toMatchObject({ ok: true, attempts: 2 });
  });

  it('refuses short secrets', () => {
    expect(() => new WebhookNotifier({ targets: [{ url: 'http://x', secret: 'short' }] })).toThrow(/at least 16/);
  });
});
