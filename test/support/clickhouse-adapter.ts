/**
 * The @clickhouse/client adapter under test: against a real ClickHouse server
 * when CLICKHOUSE_URL is set, otherwise against the chDB-served ClickHouse-HTTP
 * TEST STAND-IN (clickhouse-standin.ts), which is not a ClickHouse server and
 * says so in the suite's title.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { acquireChdbEngine } from '../../src/store/chdb/engine.js';
import { createClickHouseStore, type ClickHouseStoreOptions } from '../../src/store/clickhouse/store.js';
import type { AnalyticsStore } from '../../src/store/types.js';
import { startClickHouseStandin, type ClickHouseStandin } from './clickhouse-standin.js';
import { serviceUrl } from './services.js';

export type OpenClickHouseStore = (database: string) => Promise<AnalyticsStore>;

/**
 * `describe(`${subject}: ClickHouse adapter …`)` with `body` given a store
 * opener and, for the stand-in only, a getter of the running stand-in (null
 * against a real server), so a suite can prove its requests went through HTTP.
 */
export function describeClickHouseAdapter(
  subject: string,
  dataDir: string,
  body: (open: OpenClickHouseStore, standin: (() => ClickHouseStandin) | null) => void,
  options: Pick<ClickHouseStoreOptions, 'compression'> = {},
): void {
  const url = serviceUrl('clickhouse');
  if (url !== undefined) {
    describe(`${subject}: ClickHouse adapter against a ClickHouse server (CLICKHOUSE_URL)`, () => {
      body((database) => createClickHouseStore({ url, database, ...options }), null);
    });
    return;
  }
  describe(`${subject}: ClickHouse adapter via chDB HTTP stand-in (test stand-in, not a ClickHouse server)`, () => {
    let standin: ClickHouseStandin | null = null;
    // Hold the engine for the whole block so the stand-in can join it.
    const engine = acquireChdbEngine(dataDir);
    beforeAll(async () => {
      standin = await startClickHouseStandin();
    });
    afterAll(async () => {
      await standin?.close();
      await engine.release();
    });
    const running = (): ClickHouseStandin => {
      if (standin === null) throw new Error('the ClickHouse stand-in is not running (used outside a test?)');
      return standin;
    };
    body((database) => createClickHouseStore({ url: running().url, database, ...options }), running);
  });
}
