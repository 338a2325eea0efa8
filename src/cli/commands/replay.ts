/**
 * `tally replay` — two jobs on the Kafka deployment:
 *   --from-offset N | --from-time T | --from-beginning
 *       re-reads usage.raw (outside the consumer group, which is untouched)
 *       and processes it again into the store: idempotent, so only events the
 *       store lacks are added (e.g. a rebuilt ClickHouse). Records that are
 *       still invalid are counted, and dead-lettered again only with --dlq.
 *   --from-dlq [--code C] [--since T]
 *       re-submits dead letters (their original bytes and headers) to
 *       usage.raw after a fix; the processor takes them from there.
 *   --from-dlq --embedded [--data-dir DIR]
 *       the dead letters of `tally start`, kept in its store: re-processed
 *       into that store directly (replay-embedded.ts).
 */
import { TallyError } from '../../core/errors.js';
import { readDlqRecord } from '../../processor/dlq.js';
import type { BatchContext, LogMessage, LogProducer, LogRecord, ReplayStart } from '../../eventlog/types.js';
import { buildPricer, openKafka, openStore, topicsOf } from '../../runtime/adapters.js';
import { buildReplayHandler } from '../../runtime/processor.js';
import { loadPriceBooks } from '../../runtime/billing.js';
import { timeWindowOf } from '../../runtime/time-window.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';
import { printJson, progress, thousands } from '../output.js';

export interface ReplayFlags extends ConfigFlags {
  readonly fromOffset?: string;
  readonly fromTime?: string;
  readonly fromBeginning?: boolean;
  readonly fromDlq?: boolean;
  readonly partitions?: string;
  readonly code?: string;
  readonly since?: string;
  readonly dlq?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly embedded?: boolean;
}

const BATCH = 1000;

function startOf(flags: ReplayFlags): ReplayStart {
  const given = [flags.fromOffset !== undefined, flags.fromTime !== undefined, flags.fromBeginning === true, flags.fromDlq === true].filter(Boolean).length;
  if (given !== 1) throw new TallyError('VALIDATION_FAILED', 'give exactly one of --from-offset, --from-time, --from-beginning, --from-dlq');
  if (flags.fromOffset !== undefined) {
    if (!/^\d+$/.test(flags.fromOffset)) throw new TallyError('VALIDATION_FAILED', `--from-offset must be a whole number, got ${flags.fromOffset}`);
    return { offset: flags.fromOffset };
  }
  if (flags.fromTime !== undefined) {
    const t = Date.parse(flags.fromTime);
    if (Number.isNaN(t)) throw new TallyError('VALIDATION_FAILED', `--from-time must be a date or RFC 3339 time, got ${flags.fromTime}`);
    return { timestamp: t };
  }
  return { earliest: true };
}

const running: BatchContext = { heartbeat: async () => undefined, isRunning: () => true, isStale: () => false, signal: new AbortController().signal };

export async function runReplay(flags: ReplayFlags): Promise<void> {
  const from = startOf(flags);
  if (flags.embedded) {
    if (!flags.fromDlq) throw new TallyError('VALIDATION_FAILED', '--embedded works with --from-dlq: the embedded raw topic lives in tally start\'s memory only');
    const { replayEmbeddedDeadLetters } = await import('./replay-embedded.js');
    const summary = await replayEmbeddedDeadLetters(flags);
    if (flags.json) printJson(summary);
    if (summary.still_invalid > 0 && !flags.dryRun) process.exitCode = 1;
    return;
  }
  const ctx = cliContext(flags, { logLevel: 'warn' });
  const { config, logger, metrics, health } = ctx;
  const topics = topicsOf(config);
  const log = await openKafka(config, logger);
  const partitions = flags.partitions?.split(',').map((p) => Number(p.trim()));
  const producer = log.producer();
  const source = flags.fromDlq ? topics.dlq.name : topics.raw.name;
  const ends = await log.endOffsets(source);
  const total = ends.filter((e) => !partitions || partitions.includes(e.partition)).reduce((s, e) => s + Number(e.offset), 0);
  const bar = progress(flags.fromDlq ? 're-submitting' : 'replaying', flags.fromOffset === undefined && flags.fromTime === undefined ? total : undefined);
  const started = Date.now();
  let read = 0;
  let written = 0;
  let skipped = 0;
  try {
    if (flags.fromDlq) {
      const since = flags.since ? Date.parse(flags.since) : undefined;
      let pending: LogMessage[] = [];
      const flush = async (): Promise<void> => {
        if (pending.length > 0 && !flags.dryRun) await producer.send(topics.raw.name, pending);
        written += pending.length;
        pending = [];
      };
      for await (const record of log.replay({ topic: topics.dlq.name, from, ...(partitions ? { partitions } : {}) })) {
        read++;
        bar.tick();
        const letter = readDlqRecord(record);
        if ((flags.code && letter.code !== flags.code) || (since !== undefined && (letter.failedAt === null || Date.parse(letter.failedAt) < since))) {
          skipped++;
          continue;
        }
        pending.push({ key: letter.key, value: letter.value, headers: { ...letter.originalHeaders, 'tally-replayed-from-dlq': record.offset } });
        if (pending.length >= BATCH) await flush();
      }
      await flush();
    } else {
      const store = await openStore(config, logger);
      const dlqProducer: LogProducer = flags.dlq && !flags.dryRun ? producer : { send: async (_t, m) => { skipped += m.length; }, close: async () => undefined };
      const pricer = buildPricer(config);
      const handle = buildReplayHandler({
        config, logger, metrics, health, store, pricer, topics, producer: dlqProducer, maxSinkBatch: BATCH, timeWindow: timeWindowOf(config),
        priceBooks: await loadPriceBooks(store, pricer),
        wrapStore: (sink) => ({
          async write(events) {
            const result = flags.dryRun ? { counted: events, duplicates: 0, rejected: [] } : await sink.write(events);
            written += result.counted.length + result.duplicates;
            return result;
          },
        }),
      });
      const buffers = new Map<number, LogRecord[]>();
      const flush = async (partition: number): Promise<void> => {
        const records = buffers.get(partition) ?? [];
        if (records.length === 0) return;
        buffers.set(partition, []);
        await handle({ topic: topics.raw.name, partition, records, highWatermark: '0' }, running);
        bar.tick(records.length);
      };
      try {
        for await (const record of log.replay({ topic: topics.raw.name, from, ...(partitions ? { partitions } : {}) })) {
          read++;
          const buf = buffers.get(record.partition) ?? [];
          buf.push(record);
          buffers.set(record.partition, buf);
          if (buf.length >= BATCH) await flush(record.partition);
        }
        for (const p of [...buffers.keys()]) await flush(p);
      } finally {
        await store.close();
      }
    }
  } finally {
    await producer.close();
    await log.close();
  }
  const seconds = Math.round((Date.now() - started) / 10) / 100;
  const summary = flags.fromDlq
    ? { mode: 'from-dlq', read, resubmitted: written, skipped_by_filter: skipped, dry_run: flags.dryRun ?? false, seconds }
    : { mode: 'raw', read, stored_or_already_stored: written, still_invalid: skipped, dry_run: flags.dryRun ?? false, seconds };
  bar.done(flags.json ? undefined : flags.fromDlq
    ? `read ${thousands(String(read))} dead letters; ${flags.dryRun ? 'would re-submit' : 're-submitted'} ${thousands(String(written))} to ${topics.raw.name}; ${skipped} filtered out (${seconds}s)`
    : `replayed ${thousands(String(read))} records from ${topics.raw.name}: ${thousands(String(written))} valid events (new ones stored, known ones left as they are); ${skipped} still invalid (${seconds}s)`);
  if (flags.json) printJson(summary);
}
