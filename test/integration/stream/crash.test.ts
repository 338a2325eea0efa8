/**
 * Crash test: `tally processor` child processes are SIGKILLed at random
 * points ten times while events flow; after the last one catches up, the
 * store holds exactly the valid unique events with exact totals — no loss,
 * no double count. (The store is the embedded chDB directory, opened by this
 * test only after the last processor exited: one process per directory.)
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import { resolveTopics, topicSpecs } from '../../../src/eventlog/topics.js';
import { readDlqRecord } from '../../../src/processor/dlq.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { runTally } from '../../support/cli.js';
import { killAllTally, spawnTally, type TallyProcess } from '../../support/processes.js';
import { describeWith, kafkaBrokers, uniqueName } from '../../support/services.js';
import { readAll, storedTotals, waitForGroupCaughtUp } from './harness.js';
import { produceSteadily, workload } from './workload.js';

describeWith(['kafka'], 'processor crash test (SIGKILL ×10)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-crash-'));
  afterAll(() => {
    killAllTally();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing and counts nothing twice across ten SIGKILLs', { timeout: 420_000 }, async () => {
    const t0 = Date.now();
    const phase = (what: string): void => console.log(`[crash test] +${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
    const prefix = `${uniqueName('crash')}.`;
    const topics = resolveTopics({ prefix, raw: { partitions: 4 }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
    const groupId = `${prefix}processor`;
    const env: NodeJS.ProcessEnv = {
      KAFKA_BROKERS: kafkaBrokers().join(','), CLICKHOUSE_URL: '', TALLY_DATA_DIR: dataDir,
      TALLY_TOPIC_RAW: topics.raw.name, TALLY_TOPIC_DLQ: topics.dlq.name, TALLY_TOPIC_ALERTS: topics.alerts.name,
      TALLY_GROUP_ID: groupId, TALLY_HEALTH_PORT: '0', TALLY_SESSION_TIMEOUT_MS: '3000', TALLY_HEARTBEAT_INTERVAL_MS: '500', LOG_LEVEL: 'info',
    };
    expect((await runTally(['migrate'], { env })).code).toBe(0);
    const log = createKafkaEventLog({ brokers: kafkaBrokers() });
    await log.ensureTopics(topicSpecs(topics));
    const producer = log.producer();

    const w = workload(20_000, new Date(Date.now() - 3_600_000), 'c');
    let producing = true;
    const produced = produceSteadily(producer, topics.raw.name, w.items).then(() => {
      producing = false;
    });

    let kills = 0;
    let current: TallyProcess | undefined;
    while (kills < 10) {
      current = spawnTally(['processor'], env);
      await current.waitForLog('processor running');
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 2500));
      current.child.kill('SIGKILL');
      await current.exited;
      kills++;
      phase(`SIGKILL ${kills}`);
    }
    await produced;
    expect(producing).toBe(false);
    phase('all events produced');

    // The last processor catches up, then stops gracefully.
    const last = spawnTally(['processor'], env);
    await last.waitForLog('processor running');
    await waitForGroupCaughtUp(groupId, topics.raw.name);
    phase('caught up');
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    const store = await createChdbStore({ dataDir: join(dataDir, 'chdb'), database: 'tally' });
    try {
      const totals = await storedTotals(store);
      expect(totals).toEqual({ rows: w.expected.events, events: w.expected.events, unpriced: w.expected.unpriced, tokens: w.expected.tokens, cost: w.expected.cost });
    } finally {
      await store.close();
    }
    // Dead letters are at least once: a crash after the DLQ ack and before the commit sends one again. Each invalid record is there.
    const letters = (await readAll(log, topics.dlq.name)).map(readDlqRecord);
    const distinct = new Set(letters.map((l) => `${l.source?.partition}:${l.source?.offset}`));
    expect(distinct.size).toBe(w.expected.invalid);
    await producer.close();
    await log.close();
  });
});
