/**
 * `tally replay --from-dlq --embedded`: the dead letters of `tally start`,
 * kept in its store under --data-dir (issue #10, item 2), re-processed after
 * a fix (a price file, a config limit) by the processor's own batch handling:
 * what is valid now is stored (once: a letter whose event was stored
 * meanwhile is a redelivery, not a second copy) and marked replayed; what is
 * still invalid stays pending, with the new reason. `tally start` must be
 * stopped (the store is one process's); its counters are rebuilt from the
 * store when it starts again.
 */
import type { BatchContext, LogMessage, LogRecord } from '../../eventlog/types.js';
import { component } from '../../core/logger.js';
import { buildPricer, openStore, topicsOf } from '../../runtime/adapters.js';
import { letterOf } from '../../runtime/durable-dlq.js';
import { buildReplayHandler } from '../../runtime/processor.js';
import { loadPriceBooks } from '../../runtime/billing.js';
import { guardRollups } from '../../runtime/rollup-guard.js';
import { timeWindowOf } from '../../runtime/time-window.js';
import { migrate } from '../../store/migrate.js';
import type { DeadLetter, LetterSource } from '../../store/operations/dead-letters.js';
import { readDlqRecord } from '../../processor/dlq.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';
import { progress } from '../output.js';

export interface EmbeddedReplayFlags extends ConfigFlags {
  readonly code?: string;
  readonly since?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

export interface EmbeddedReplaySummary {
  readonly mode: 'from-dlq-embedded';
  readonly read: number;
  /** Valid now: stored (or found stored) and marked replayed. */
  readonly stored: number;
  /** Still invalid: pending, with the new reason. */
  readonly still_invalid: number;
  readonly dry_run: boolean;
  readonly seconds: number;
}

const BATCH = 1000;
const running: BatchContext = { heartbeat: async () => undefined, isRunning: () => true, isStale: () => false, signal: new AbortController().signal };

const key = (s: LetterSource): string => `${s.topic}\u0000${s.partition}\u0000${s.offset}`;

/** The record a letter was made from, as the processor first read it: same position, key, bytes and headers. */
function recordOf(letter: DeadLetter): LogRecord {
  const entry = readDlqRecord({ topic: '', partition: 0, offset: '0', key: letter.key, value: letter.value, headers: { ...letter.headers }, timestamp: letter.failedAt.getTime() });
  return { topic: letter.source.topic, partition: letter.source.partition, offset: letter.source.offset, key: letter.key, value: letter.value, headers: entry.originalHeaders, timestamp: letter.failedAt.getTime() };
}

export async function replayEmbeddedDeadLetters(flags: EmbeddedReplayFlags): Promise<EmbeddedReplaySummary> {
  const started = Date.now();
  // The embedded store: chDB under the data directory, whatever CLICKHOUSE_URL says (as for `tally start`).
  const ctx = cliContext(flags, { logLevel: 'warn', clickhouse: { url: undefined } });
  const { config, logger, metrics, health } = ctx;
  const topics = topicsOf(config);
  const store = await openStore(config, logger);
  try {
    await migrate(store, { logger: component(logger, 'migrate') });
    const since = flags.since === undefined ? undefined : new Date(flags.since);
    const letters = await store.deadLetters.pending({ ...(flags.code ? { code: flags.code } : {}), ...(since ? { since } : {}) });
    if (flags.dryRun) return { mode: 'from-dlq-embedded', read: letters.length, stored: 0, still_invalid: 0, dry_run: true, seconds: (Date.now() - started) / 1000 };
    const rollups = await guardRollups(store, component(logger, 'rollups'), { writer: 'tally replay' });
    const stillDead = new Set<string>();
    const pricer = buildPricer(config);
    const handle = buildReplayHandler({
      config, logger, metrics, health, store, pricer, topics, maxSinkBatch: BATCH,
      priceBooks: await loadPriceBooks(store, pricer),
      timeWindow: timeWindowOf(config, await store.events.retentionMonths()),
      producer: {
        async send(_topic, messages: readonly LogMessage[]) {
          const again = messages.map((m) => letterOf(m, topics.dlq.name));
          await store.deadLetters.write(again);
          for (const l of again) stillDead.add(key(l.source));
        },
        close: async () => undefined,
      },
    });
    const bar = progress('re-processing dead letters', letters.length);
    let stored = 0;
    const byPartition = new Map<string, DeadLetter[]>();
    for (const l of letters) {
      const k = `${l.source.topic}\u0000${l.source.partition}`;
      byPartition.set(k, [...(byPartition.get(k) ?? []), l]);
    }
    try {
      for (const group of byPartition.values()) {
        for (let i = 0; i < group.length; i += BATCH) {
          const batch = group.slice(i, i + BATCH);
          const first = batch[0] as DeadLetter;
          await handle({ topic: first.source.topic, partition: first.source.partition, records: batch.map(recordOf), highWatermark: '0' }, running);
          const replayed = batch.filter((l) => !stillDead.has(key(l.source)));
          await store.deadLetters.markReplayed(replayed.map((l) => l.source));
          stored += replayed.length;
          bar.tick(batch.length);
        }
      }
    } finally {
      await rollups.stop();
    }
    const summary: EmbeddedReplaySummary = { mode: 'from-dlq-embedded', read: letters.length, stored, still_invalid: letters.length - stored, dry_run: false, seconds: Math.round((Date.now() - started) / 10) / 100 };
    bar.done(flags.json ? undefined : `re-processed ${letters.length} dead letters of the embedded store: ${stored} stored, ${summary.still_invalid} still invalid (${summary.seconds}s)`);
    return summary;
  } finally {
    await store.close();
  }
}
