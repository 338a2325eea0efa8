/** The processor's store sink on the real chDB engine: redeliveries vs duplicate sends. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { createStoreSink } from '../../../src/processor/store-sink.js';
import { pricedEvent } from '../../support/store-fixtures.js';
import { parseUsd } from '../../../src/core/money.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-sink-'));
let store: AnalyticsStore;

beforeAll(async () => {
  store = await createChdbStore({ dataDir, database: 'sink_test' });
  await migrate(store);
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const at = (partition: number, offset: number) => ({ topic: 'usage.raw', partition, offset: String(offset) });
const ev = (id: string, partition: number, offset: number) => pricedEvent({ eventId: id, source: at(partition, offset), costs: { input: parseUsd('0.001') } });

async function stored(): Promise<{ n: string; cost: string }> {
  const [row] = await store.sql.query<{ n: string; cost: string }>({ sql: 'SELECT toString(count()) AS n, toString(sum(cost_total)) AS cost FROM usage_events FINAL' });
  return row ?? { n: '0', cost: '0' };
}

describe('store sink', () => {
  it('inserts new events once; a redelivered batch is counted again but not stored again; a duplicate send is dropped', async () => {
    const sink = createStoreSink(store);
    const batch = [ev('a', 0, 1), ev('b', 0, 2), ev('a', 0, 3)];
    const first = await sink.write(batch);
    expect(first.counted.map((e) => e.event.event_id)).toEqual(['a', 'b']);
    expect(first.duplicates).toBe(1);

    const again = await sink.write(batch);
    expect(again.counted.map((e) => `${e.event.event_id}@${e.source?.offset}`)).toEqual(['a@1', 'b@2']);
    expect(again.duplicates).toBe(1);

    const resent = await sink.write([ev('a', 0, 17), ev('c', 0, 18)]);
    expect(resent.counted.map((e) => e.event.event_id)).toEqual(['c']);
    expect(resent.duplicates).toBe(1);

    expect(await stored()).toEqual({ n: '3', cost: '0.003' });
  });
});
