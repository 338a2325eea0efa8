/**
 * The analytics queries against every analytics-store adapter, one suite
 * (suite.ts) over a fixed data set:
 *
 * - chDB, always (in-process engine under os.tmpdir());
 * - the @clickhouse/client adapter against a real ClickHouse server when
 *   CLICKHOUSE_URL is set; otherwise against the chDB-served ClickHouse-HTTP
 *   TEST STAND-IN (test/support/clickhouse-standin.ts), which is not a
 *   ClickHouse server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb.js';
import { createClickHouseStore } from '../../../src/store/clickhouse.js';
import { acquireChdbEngine } from '../../../src/store/chdb-engine.js';
import { serviceUrl } from '../../support/services.js';
import { startClickHouseStandin, type ClickHouseStandin } from '../../support/clickhouse-standin.js';
import { analyticsSuite } from './suite.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-analytics-'));
const clickhouseUrl = serviceUrl('clickhouse');

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('analytics queries: chDB adapter (in-process)', () => {
  analyticsSuite((database) => createChdbStore({ dataDir, database }));
});

if (clickhouseUrl !== undefined) {
  describe('analytics queries: ClickHouse adapter against a ClickHouse server (CLICKHOUSE_URL)', () => {
    analyticsSuite((database) => createClickHouseStore({ url: clickhouseUrl, database }));
  });
} else {
  describe('analytics queries: ClickHouse adapter via chDB HTTP stand-in (test stand-in, not a ClickHouse server)', () => {
    let standin: ClickHouseStandin;
    const engine = acquireChdbEngine(dataDir);
    beforeAll(async () => {
      standin = await startClickHouseStandin();
    });
    afterAll(async () => {
      await standin.close();
      await engine.release();
    });
    analyticsSuite((database) => createClickHouseStore({ url: standin.url, database }));

    it('went through the stand-in over HTTP', () => {
      expect(standin.requests).toBeGreaterThan(50);
    });
  });
}
