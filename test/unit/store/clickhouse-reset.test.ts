/**
 * A kept-alive socket the server closed just as the client reused it answers
 * the next request with ECONNRESET. A read is idempotent, so the ClickHouse
 * adapter sends it once more: `tally reconcile` failed as a whole on one
 * such reset (seen against the test stand-in with a busy event loop; a load
 * balancer in front of ClickHouse does the same).
 */
import { afterEach, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClickHouseStore } from '../../../src/store/clickhouse/store.js';

let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A server that drops the connection of the first `resets` requests and answers the rest with one row. */
async function serve(resets: number): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  server = createServer((req, res) => {
    n++;
    req.resume();
    if (n <= resets) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'X-ClickHouse-Format': 'JSONEachRow' }).end('{"x":"1"}\n');
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n };
}

it('a read whose connection is reset is sent once more and answered', async () => {
  const s = await serve(1);
  const store = await createClickHouseStore({ url: s.url, createDatabase: false });
  try {
    expect(await store.sql.query<{ x: string }>({ sql: 'SELECT 1 AS x' })).toEqual([{ x: '1' }]);
    expect(s.requests()).toBe(2);
  } finally {
    await store.close();
  }
});

it('only once: a second reset is STORE_UNAVAILABLE, retriable', async () => {
  const s = await serve(2);
  const store = await createClickHouseStore({ url: s.url, createDatabase: false });
  try {
    await expect(store.sql.query({ sql: 'SELECT 1 AS x' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    expect(s.requests()).toBe(2);
  } finally {
    await store.close();
  }
});

/**
 * A server that closes connections idle longer than `idleMs` (as ClickHouse and
 * the stand-in do): a request arriving on such a connection meets a reset.
 */
async function serveClosingIdle(idleMs: number): Promise<{ url: string; resets: () => number; connections: () => number }> {
  let resets = 0;
  let connections = 0;
  const lastAnswer = new WeakMap<object, number>();
  server = createServer((req, res) => {
    req.resume();
    const last = lastAnswer.get(req.socket);
    if (last !== undefined && Date.now() - last > idleMs) {
      resets++;
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'X-ClickHouse-Format': 'JSONEachRow' }).end('{"x":"1"}\n', () => {
      lastAnswer.set(req.socket, Date.now());
    });
  });
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, resets: () => resets, connections: () => connections };
}

/** Blocks the event loop, as a CPU-bound batch on a loaded machine does: timers (the client's socket TTL timer) run late. */
function starveEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: no timer or I/O callback runs
  }
}

it('a socket idle past its TTL is not reused when the TTL timer ran late (the server has closed it)', async () => {
  // The client's socket TTL is 2.5 s and the server closes after 3 s idle. The client yields to timers
  // before each request, but when a long callback in the same timers phase straddles the TTL deadline,
  // the request's own (already due) timer runs before the TTL timer, and the request meets the stale socket.
  const s = await serveClosingIdle(3_000);
  const store = await createClickHouseStore({ url: s.url, createDatabase: false });
  try {
    await store.sql.query({ sql: 'SELECT 1 AS x' });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    setTimeout(() => starveEventLoop(1_500), 0);
    expect(await store.sql.query<{ x: string }>({ sql: 'SELECT 1 AS x' })).toEqual([{ x: '1' }]);
    // Answered on a new connection, without meeting the server's close (and without the one retry a reset earns).
    expect(s.resets()).toBe(0);
    expect(s.connections()).toBe(2);
  } finally {
    await store.close();
  }
});
