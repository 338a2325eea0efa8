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
