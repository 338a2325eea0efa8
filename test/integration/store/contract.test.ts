/**
 * The analytics-store contract against every adapter:
 *
 * - chDB, always (in-process engine under os.tmpdir());
 * - the @clickhouse/client adapter against a real ClickHouse server when
 *   CLICKHOUSE_URL is set (scripts/services.sh, or a container started by
 *   test/support/global-setup.ts when Docker is present); otherwise against
 *   the chDB-served ClickHouse-HTTP TEST STAND-IN (test/support/
 *   clickhouse-standin.ts), which is not a ClickHouse server, with gzip on
 *   in both directions so the client's compression path runs too.
 *
 * Both share this process's one chDB engine; each run uses its own database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { createClickHouseStore } from '../../../src/store/clickhouse/store.js';
import { describeClickHouseAdapter } from '../../support/clickhouse-adapter.js';
import { storeContract } from './contract.js';
import { closedPort } from '../../support/ports.js';
import { rejection } from '../../support/rejection.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-store-contract-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('analytics store contract: chDB adapter (in-process)', () => {
  storeContract((database) => createChdbStore({ dataDir, database }));

  it('reports a closed store as STORE_UNAVAILABLE and refuses a second data directory in the process', async () => {
    const store = await createChdbStore({ dataDir, database: 'tally_closed_check' });
    await store.close();
    expect(await rejection(store.sql.query({ sql: 'SELECT 1' }))).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    const err = await rejection(createChdbStore({ dataDir: join(dataDir, 'elsewhere'), database: 'x' }));
    expect(err.code).toBe('CONFIG_INVALID');
  });
});

describeClickHouseAdapter(
  'analytics store contract',
  dataDir,
  (open, standin) => {
    storeContract(open);
    if (standin === null) return;
    it('went through the stand-in over HTTP, gzip both ways', () => {
      expect(standin().requests).toBeGreaterThan(50);
      expect(standin().gzip.requests).toBeGreaterThan(0);
      expect(standin().gzip.responses).toBeGreaterThan(0);
    });
  },
  { compression: { request: true, response: true } },
);

describe('ClickHouse adapter: an unreachable or silent server is STORE_UNAVAILABLE', () => {
  let silent: Server;
  let silentUrl: string;
  beforeAll(async () => {
    silent = createServer(() => {
      /* accepts the request and never answers */
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('fails to open against a closed port with a retriable STORE_UNAVAILABLE', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await rejection(createClickHouseStore({ url, database: 'tally_unreachable' }));
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
  });

  it('maps ping, query, command and insert failures on a closed port to STORE_UNAVAILABLE', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const store = await createClickHouseStore({ url, database: 'tally_unreachable', createDatabase: false });
    try {
      for (const p of [store.ping(), store.sql.query({ sql: 'SELECT 1' }), store.sql.command({ sql: 'SELECT 1' }), store.sql.insert('t', [{ a: 1 }])]) {
        expect(await rejection(p)).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
      }
    } finally {
      await store.close();
    }
  });

  it('maps a request timeout to STORE_UNAVAILABLE', async () => {
    const store = await createClickHouseStore({ url: silentUrl, database: 'tally_silent', createDatabase: false, requestTimeoutMs: 300 });
    try {
      expect(await rejection(store.sql.query({ sql: 'SELECT 1' }))).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    } finally {
      await store.close();
    }
  });
});
