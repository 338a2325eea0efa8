/**
 * `tally start --demo`: fills an empty store with a week of history, then
 * keeps realistic traffic flowing through the ingest, plus now and then a
 * malformed record written straight to the raw topic (as a careless producer
 * would), which the processor dead-letters with its reason. Before the
 * history goes in, it creates the demo budget (budget.ts) with a limit the
 * history will fill to 90 %.
 */
import { errorMessage } from '../core/errors.js';
import type { IngestService } from '../ingest/service.js';
import type { Logger } from '../core/logger.js';
import type { LogProducer } from '../eventlog/types.js';
import { demoEvents, rng } from './traffic.js';
import { OPEN_ACCESS } from '../core/principal.js';
import { formatUsd } from '../core/money.js';
import type { Pricer } from '../pricing/pricer.js';
import { DEMO_BUDGET_ID, demoBudget, demoBudgetCost, limitFor } from './budget.js';

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
  /** Prices the history for the demo budget's limit; without it (or `budgets`) no budget is created. */
  readonly pricer?: Pricer;
  readonly budgets?: DemoBudgets;
}

/** Creates or replaces a budget as `PUT /v1/budgets/{id}` does (counters backfilled). */
export interface DemoBudgets {
  put(id: string, budget: Record<string, unknown>): Promise<void>;
}

const HISTORY_PER_DAY = 2_000;

export async function startDemo(options: DemoOptions): Promise<() => void> {
  const log = options.logger;
  const days = options.storeIsEmpty ? options.backfillDays ?? 7 : 0;
  if (days > 0) {
    const start = Date.now() - days * 86_400_000;
    const spacing = 86_400_000 / HISTORY_PER_DAY;
    const total = days * HISTORY_PER_DAY;
    // Event i at a seeded point of its slot: the history ends before now, the same for the same start.
    const jitter = rng(8);
    let i = 0;
    const stream = demoEvents({ seed: 7, now: () => new Date(Math.floor(start + (i++ + jitter()) * spacing)) });
    const history = Array.from({ length: total }, () => stream.next().value);
    if (options.pricer && options.budgets) {
      const used = demoBudgetCost(history, options.pricer);
      const limit = limitFor(used);
      await options.budgets.put(DEMO_BUDGET_ID, demoBudget(limit));
      log.info({ budget: DEMO_BUDGET_ID, limit, history: formatUsd(used) }, 'demo: budget near its limit created');
    }
    for (let sent = 0; sent < total; sent += 1000) {
      const items = history.slice(sent, sent + 1000).map((input, index) => ({ index, input }));
      const result = await options.ingest.ingest(items, OPEN_ACCESS, 'sdk');
      for (const r of result.rejected) log.warn({ code: r.code, errors: r.errors }, 'demo: history event rejected');
    }
    log.info({ days, events: total }, 'demo: history backfilled');
  }

  const rate = Math.max(1, options.rate ?? 20);
  // Never seed 7, the history's: the live sessions' ids differ from the history's.
  const live = demoEvents({ seed: 100 + (Date.now() % 100_000), live: true });
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
