import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TallyError } from '../../../src/core/errors.js';
import { isUuidv7 } from '../../../src/events/ids.js';
import { createUsageRecorder } from '../../../src/sdk/recorder.js';
import { httpTransport } from '../../../src/sdk/transports/http.js';
import type { RecordedEvent, TransportResult, UsageTransport } from '../../../src/sdk/types.js';

/** A transport that records what it got; `fail(n)` makes the next n sends throw. */
class FakeTransport implements UsageTransport {
  readonly batches: RecordedEvent[][] = [];
  closed = false;
  private failures: TallyError[] = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  fail(count: number, error: TallyError = new TallyError('LOG_UNAVAILABLE', 'broker down')): void {
    for (let i = 0; i < count; i++) this.failures.push(error);
  }

  /** Sends wait until `release()`. */
  hold(): void {
    this.gate = new Promise((r) => {
      this.open = r;
    });
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  get events(): RecordedEvent[] {
    return this.batches.flat();
  }

  async send(events: readonly RecordedEvent[]): Promise<TransportResult | void> {
    await this.gate;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.batches.push([...events]);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const ev = (tenant: string, i: number): { tenant: string; provider: string; model: string; usage: { prompt_tokens: number } } => ({
  tenant,
  provider: 'openai',
  model: 'gpt-4o',
  usage: { prompt_tokens: i },
});

const FAST = { initialDelayMs: 1, maxDelayMs: 5 };

describe('usage recorder', () => {
  it('validates, stamps event_id (UUIDv7) and occurred_at, applies defaults, keeps unknown fields in extra', async () => {
    const t = new FakeTransport();
    const recorder = createUsageRecorder({ transport: t, defaults: { tenant: 'acme', agent: 'support', metadata: { env: 'prod' } }, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    const id = recorder.record({ model: 'gpt-4o', usage: { prompt_tokens: 3 }, metadata: { team: 'a' }, ...{ custom_field: 7 } });
    await recorder.flush();
    const [event] = t.events;
    expect(event?.event_id).toBe(id);
    expect(isUuidv7(id)).toBe(true);
    expect(event).toMatchObject({
      tenant: 'acme',
      agent: 'support',
      occurred_at: '2026-01-02T03:04:05.000Z',
      status: 'ok',
      metadata: { env: 'prod', team: 'a' },
      extra: { custom_field: 7 },
    });
    await recorder.close();
  });

  it('throws VALIDATION_FAILED naming every bad field; bad input never enters the buffer', () => {
    const t = new FakeTransport();
    const recorder = createUsageRecorder({ transport: t });
    let error: unknown;
    try {
      recorder.record({ model: '', usage: { prompt_tokens: 1 }, duration_ms: -5, metadata: { team: 42 as unknown as string } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TallyError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const paths = ((error as TallyError).details.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['duration_ms', 'metadata.team', 'model']);
    expect(recorder.buffered).toBe(0);
    expect(() => recorder.record({ model: 'm' } as never)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(recorder.buffered).toBe(0);
  });

  it('sends a batch as soon as maxBatchSize events wait', async () => {
    const t = new FakeTransport();
    const recorder = createUsageRecorder({ transport: t, maxBatchSize: 10, lingerMs: 60_000 });
    for (let i = 0; i < 25; i++) recorder.record(ev('acme', i));
    await new Promise((r) => setTimeout(r, 20));
    expect(t.batches.map((b) => b.length)).toEqual([10, 10]);
    expect(recorder.buffered).toBe(5);
    await recorder.close();
    expect(t.batches.map((b) => b.length)).toEqual([10, 10, 5]);
  });

  it('sends a partial batch lingerMs after its first event', async () => {
    const t = new FakeTransport();
    const recorder = createUsageRecorder({ transport: t, maxBatchSize: 100, lingerMs: 40 });
    recorder.record(ev('acme', 1));
    recorder.record(ev('acme', 2));
    await new Promise((r) => setTimeout(r, 10));
    expect(t.batches.length).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(t.batches.map((b) => b.length)).toEqual([2]);
    await recorder.close();
  });

  it('retries a transport failing N times with backoff, reporting each retry, then delivers once', async () => {
    const t = new FakeTransport();
    t.fail(3);
    const retries: number[] = [];
    const flushes: number[] = [];
    const recorder = createUsageRecorder({
      transport: t,
      retry: { retries: 5, ...FAST },
      onRetry: (info) => retries.push(info.attempt),
      onFlush: (info) => flushes.push(info.attempts),
    });
    for (let i = 0; i < 5; i++) recorder.record(ev('acme', i));
    await recorder.flush();
    expect(retries).toEqual([1, 2, 3]);
    expect(flushes).toEqual([4]);
    expect(t.events.length).toBe(5);
    await recorder.close();
  });

  it('keeps events buffered when retries run out, flush rejects, and a later flush delivers them', async () => {
    const t = new FakeTransport();
    t.fail(4);
    const errors: string[][] = [];
    const recorder = createUsageRecorder({ transport: t, retry: { retries: 1, ...FAST }, onError: (_e, ids) => errors.push([...ids]) });
    const ids = [recorder.record(ev('acme', 1)), recorder.record(ev('acme', 2))];
    await expect(recorder.flush()).rejects.toMatchObject({ code: 'LOG_UNAVAILABLE', retriable: true });
    expect(recorder.buffered).toBe(2);
    expect(errors).toEqual([ids]);
    await expect(recorder.flush()).rejects.toMatchObject({ code: 'LOG_UNAVAILABLE' });
    await recorder.flush();
    expect(t.events.map((e) => e.event_id)).toEqual(ids);
    await recorder.close();
  });

  it('keeps record order per tenant across batches and failures', async () => {
    const t = new FakeTransport();
    t.fail(2);
    const recorder = createUsageRecorder({ transport: t, maxBatchSize: 7, lingerMs: 5, retry: { retries: 3, ...FAST } });
    const tenants = ['a', 'b', 'c'];
    for (let i = 0; i < 60; i++) recorder.record(ev(tenants[i % 3] ?? 'a', i));
    await recorder.close();
    for (const tenant of tenants) {
      const seen = t.events.filter((e) => e.tenant === tenant).map((e) => e.usage.prompt_tokens as number);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(seen.length).toBe(20);
    }
  });

  it('close sends everything accepted before it, then closes the transport; record after close throws', async () => {
    const t = new FakeTransport();
    const recorder = createUsageRecorder({ transport: t, maxBatchSize: 64, lingerMs: 60_000 });
    const ids = Array.from({ length: 1000 }, (_, i) => recorder.record(ev(`t${i % 5}`, i)));
    await recorder.close();
    expect(t.closed).toBe(true);
    expect(t.events.map((e) => e.event_id)).toEqual(ids);
    expect(() => recorder.record(ev('a', 1))).toThrow(expect.objectContaining({ code: 'SHUTTING_DOWN' }));
  });

  it('close rejects and keeps the events when the transport stays down; a second close delivers them', async () => {
    const t = new FakeTransport();
    t.fail(2);
    const recorder = createUsageRecorder({ transport: t, retry: { retries: 1, ...FAST } });
    recorder.record(ev('acme', 1));
    await expect(recorder.close()).rejects.toMatchObject({ code: 'LOG_UNAVAILABLE' });
    expect(t.closed).toBe(false);
    await recorder.close();
    expect(t.events.length).toBe(1);
    expect(t.closed).toBe(true);
  });

  it('rejects record with a retriable error when the buffer is full, never dropping what it accepted', async () => {
    const t = new FakeTransport();
    t.hold();
    const recorder = createUsageRecorder({ transport: t, maxBatchSize: 10, maxBufferedEvents: 30, lingerMs: 1 });
    for (let i = 0; i < 30; i++) recorder.record(ev('acme', i));
    expect(() => recorder.record(ev('acme', 30))).toThrow(expect.objectContaining({ code: 'LOG_UNAVAILABLE', retriable: true }));
    expect(recorder.buffered).toBe(30);
    t.release();
    await recorder.flush();
    expect(t.events.map((e) => e.usage.prompt_tokens)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    recorder.record(ev('acme', 30)); // room again
    await recorder.close();
    expect(t.events.length).toBe(31);
  });

  it('splits a batch the receiver refuses as too large; drops and reports only what is refused for good', async () => {
    const t = new FakeTransport();
    t.fail(1, new TallyError('BATCH_TOO_LARGE', 'too big'));
    const refused: string[] = [];
    const recorder = createUsageRecorder({ transport: t, maxBatchSize: 8, lingerMs: 1, onError: (_e, ids) => refused.push(...ids) });
    for (let i = 0; i < 8; i++) recorder.record(ev('acme', i));
    await recorder.flush();
    expect(t.batches.map((b) => b.length)).toEqual([4, 4]);
    expect(refused).toEqual([]);

    t.fail(1, new TallyError('FORBIDDEN', 'wrong tenant'));
    const id = recorder.record(ev('other', 1));
    await expect(recorder.flush()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(refused).toEqual([id]);
    expect(recorder.buffered).toBe(0);
    await recorder.close();
  });
});

describe('http transport', () => {
  async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => handler(req, body, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
  }

  it('posts a JSON array with the bearer key; per-item rejections reach onError with the event id', async () => {
    const seen: { auth?: string; path?: string; body: unknown }[] = [];
    const server = await serve((req, body, res) => {
      seen.push({ auth: req.headers.authorization, path: req.url, body: JSON.parse(body) });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: 1, rejected: [{ index: 1, errors: [{ path: 'model', reason: 'unknown' }] }] }));
    });
    const errors: { code: string; ids: readonly string[] }[] = [];
    const recorder = createUsageRecorder({ transport: httpTransport({ url: server.url, apiKey: 'k-123' }), onError: (e, ids) => errors.push({ code: e.code, ids }) });
    recorder.record(ev('acme', 1));
    const second = recorder.record(ev('acme', 2));
    await recorder.close();
    await server.close();
    expect(seen[0]?.auth).toBe('Bearer k-123');
    expect(seen[0]?.path).toBe('/v1/events');
    expect(Array.isArray(seen[0]?.body) && seen[0]?.body.length).toBe(2);
    expect(errors).toEqual([{ code: 'VALIDATION_FAILED', ids: [second] }]);
  });

  it('retries 503 answers and maps 4xx error bodies to their codes, not retried', async () => {
    let calls = 0;
    const server = await serve((_req, _body, res) => {
      calls++;
      if (calls <= 2) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'LOG_UNAVAILABLE', message: 'kafka down', details: {} } }));
        return;
      }
      if (calls === 3) {
        res.writeHead(202);
        res.end(JSON.stringify({ accepted: 1, rejected: [] }));
        return;
      }
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'FORBIDDEN', message: 'key is for tenant acme', details: { tenant: 'other' } } }));
    });
    const recorder = createUsageRecorder({ transport: httpTransport({ url: server.url }), retry: { retries: 3, ...FAST } });
    recorder.record(ev('acme', 1));
    await recorder.flush();
    expect(calls).toBe(3);
    recorder.record(ev('other', 1));
    await expect(recorder.flush()).rejects.toMatchObject({ code: 'FORBIDDEN', retriable: false });
    expect(calls).toBe(4);
    await recorder.close();
    await server.close();
  });

  it('maps a connection failure to a retriable LOG_UNAVAILABLE', async () => {
    const transport = httpTransport({ url: 'http://127.0.0.1:1', timeoutMs: 500 });
    await expect(transport.send([])).rejects.toMatchObject({ code: 'LOG_UNAVAILABLE', retriable: true });
  });
});
