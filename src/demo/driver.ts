/**
 * `tally start --demo`: fills an empty store with a week of history, then
 * keeps realistic traffic flowing through the ingest, plus now and then a
 * malformed record written straight to the raw topic (as a careless producer
 * would), which the processor dead-letters with its reason.
 */
import { errorMessage } from '../core/errors.js';
import type { IngestService } from '../ingest/service.js';
import type { Logger } from '../core/logger.js';
import type { LogProducer } from '../eventlog/types.js';
import { demoEvents, rng } from './traffic.js';
import { OPEN_ACCESS } from '../core/principal.js';

export interface DemoOptions {
  readonly ingest: IngestService;
  readonly producer: LogProducer;
  readonly rawTopic: string;
  readonly logger: Logger;
  /** Live events per second. Default 20. */
  readonly rate?: number;
  /** Days of history to backfill when the store is empty; 0 for none. Default 7. */
  readonly backfillDays?: number;
  /** Whether the store already holds events (then no backfill). */
  readonly storeIsEmpty: boolean;
}

const HISTORY_PER_DAY = 2_000;

export async function startDemo(options: DemoOptions): Promise<() => void> {
  const log = options.logger;
  const days = options.storeIsEmpty ? options.backfillDays ?? 7 : 0;
  if (days > 0) {
    const start = Date.now() - days * 86_400_000;
    const spacing = 86_400_000 / HISTORY_PER_DAY;
    let t = start;
    const history = demoEvents({ seed: 7, now: () => new Date((t += spacing * (0.5 + Math.random()))) });
    const total = days * HISTORY_PER_DAY;
    for (let sent = 0; sent < total; sent += 1000) {
      const items = Array.from({ length: Math.min(1000, total - sent) }, (_, index) => ({ index, input: history.next().value }));
      const result = await options.ingest.ingest(items, OPEN_ACCESS, 'sdk');
      for (const r of result.rejected) log.warn({ code: r.code, errors: r.errors }, 'demo: history event rejected');
    }
    log.info({ days, events: total }, 'demo: history backfilled');
  }

  const rate = Math.max(1, options.rate ?? 20);
  const live = demoEvents({ seed: Date.now() % 100_000 });
  const r = rng(99);
  let stopped = false;
  let ticks = 0;
  const timer = setInterval(() => {
    if (stopped) return;
    ticks++;
    const count = Math.max(1, Math.round(rate / 4));
    const items = Array.from({ length: count }, (_, index) => ({ index, input: live.next().value }));
    void options.ingest
      .ingest(items, OPEN_ACCESS, 'sdk')
      .then((result) => {
        for (const r of result.rejected) log.warn({ code: r.code, errors: r.errors }, 'demo: event rejected');
      })
      .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'demo: ingest failed'));
    if (ticks % 40 === 0 && r() < 0.8) {
      // A careless producer writing Kafka directly: the processor dead-letters these.
      const bad = r() < 0.5 ? '{"tenant":"acme","model":"gpt-4o","usage":{"prompt_tokens":"lots"}}' : '{"tenant":"globex","usage":{';
      void options.producer.send(options.rawTopic, [{ key: 'demo', value: bad }]).catch(() => undefined);
    }
  }, 250);
  timer.unref();
  log.info({ eventsPerSecond: rate }, 'demo: live traffic flowing');
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
