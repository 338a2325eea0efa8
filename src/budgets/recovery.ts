/**
 * Recovery from a counter-store loss (Redis flushed, or restarted empty):
 * detect it, answer per the outage policy meanwhile, rebuild from the
 * analytics store, say so — without anyone running `tally reconcile`.
 *
 * Detection. The counter store keeps epoch markers (src/counters/epoch.ts):
 * one per region (a standalone Redis, or each Redis Cluster hash slot) and
 * one per rebuilt slot. Every apply, read and reservation the engine sends
 * asks for the check; in a slot that is not live the script refuses
 * (COUNTERS_UNAVAILABLE, reason `counters_lost`). Besides, a probe looks for
 * missing region markers every `probeIntervalMs`, so a loss is noticed (and
 * rebuilt) even without traffic.
 *
 * Rebuild. A slot that a call found lost is rebuilt at once (`ensureLive`:
 * one rebuild per slot at a time, shared by concurrent callers): its counters
 * for the open periods of every budget are computed from the store and
 * swapped in, and the same swap writes the slot's marker. A lost region is
 * swept by one process (under the region's lock): every tenant with stored
 * usage in it, and the global slot, then the region's marker. A fresh Redis
 * looks the same and takes the same path, with nothing to rebuild.
 *
 * Meanwhile (see `OutagePolicy`), quota checks, reservations and statuses
 * that read a lost slot: `store` waits for the slot's rebuild (the store's
 * totals) up to `waitMs`; `closed` answers 503 at once; `open` answers from the
 * counters as they are. The processor's applies always wait for the rebuild.
 * A budget's own `outage_policy` overrides the global one for its subjects
 * (outage.ts). A counter store that does not answer at all (unreachable) is
 * not a loss: the engine answers per the budgets' policies without this
 * module, and the probe simply fails until Redis is back.
 */
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { Slot } from '../counters/keys.js';
import { rebuildSlot, reconcileTenants, type ReconcileSource, type ReconcileTarget } from './reconcile.js';

/**
 * What a quota check, reservation or status answers while the counters it
 * reads were lost and are being rebuilt (a global setting, `budgets.outagePolicy`):
 * - `store`: wait for the slot's rebuild from the analytics store — the
 *   answer is the store's totals — for up to `budgets.outageWaitMs`; past it,
 *   503 COUNTERS_UNAVAILABLE with Retry-After (the default);
 * - `closed`: 503 COUNTERS_UNAVAILABLE with Retry-After at once until the
 *   slot is rebuilt (fail closed: no request passes a hard budget unchecked);
 * - `open`: answer from the counters as they are (fail open: the spend since
 *   the loss only) — an explicit choice, logged.
 */
export type OutagePolicy = 'store' | 'closed' | 'open';
export const OUTAGE_POLICIES: readonly OutagePolicy[] = ['store', 'closed', 'open'];

/** How a read under the outage policy was answered: from rebuilt counters, refused (503), or from the counters as they were. */
export type OutageAnswer = 'rebuilt' | 'unavailable' | 'open';

/** What the engine needs of the recovery. */
export interface EngineRecovery {
  readonly policy: OutagePolicy;
  readonly waitMs: number;
  /** Rebuilds every named slot that is not live; resolves once all are. */
  ensureLive(slots: readonly Slot[]): Promise<void>;
  /** A read was answered under a policy (for metrics): the subject's (outage.ts), the global one by default. */
  answered(outcome: OutageAnswer, policy?: OutagePolicy): void;
}

export interface RecoveryState {
  /** Regions known to be lost and not yet rebuilt (`all` for a standalone Redis, hash slots on a Cluster). */
  readonly lostRegions: readonly string[];
  /** Slot rebuilds in progress in this process. */
  readonly rebuilding: number;
  /** The last rebuild failure, while the loss lasts. */
  readonly error: string | null;
}

export interface RecoveryEvents {
  /** Regions this process found lost and took over the rebuild of. */
  onLost?(regions: readonly string[]): void;
  /** One slot rebuilt (or found rebuilt by another process: `live`). */
  onRebuilt?(slot: Slot, result: { readonly counters: number; readonly live: boolean; readonly ms: number }): void;
  onRebuildFailed?(slot: Slot, error: unknown): void;
  onAnswer?(outcome: OutageAnswer, policy: OutagePolicy): void;
  /** The state changed (readiness, gauges). */
  onState?(state: RecoveryState): void;
}

export interface CounterRecoveryOptions {
  readonly source: ReconcileSource;
  /** Default `store`. */
  readonly policy?: OutagePolicy;
  /** How long a read waits for a rebuild under the `store` policy, ms. Default 5,000. */
  readonly waitMs?: number;
  /** How often to look for lost regions, ms; 0 turns the probe off. Default 5,000. */
  readonly probeIntervalMs?: number;
  /** The region lock's time to live (renewed while sweeping), ms. Default 60,000. */
  readonly lockTtlMs?: number;
  readonly logger?: Logger;
  readonly events?: RecoveryEvents;
}

/** How soon a process looks again while a loss is being rebuilt (by itself or another process). */
const RECHECK_MS = 1_000;

const slotName = (slot: Slot): string => (slot === null ? 'the global slot' : `tenant ${JSON.stringify(slot)}`);
const slotKey = (slot: Slot): string => (slot === null ? '\u0000global' : `t:${slot}`);

function epochId(): string {
  return `${new Date().toISOString()}/${randomUUID().slice(0, 8)}`;
}

export class CounterRecovery implements EngineRecovery {
  readonly policy: OutagePolicy;
  readonly waitMs: number;
  private readonly probeIntervalMs: number;
  private readonly lockTtlMs: number;
  private readonly log: Logger;
  private readonly events: RecoveryEvents;
  private readonly slots = new Map<string, Promise<void>>();
  private readonly sweeps = new Map<string, Promise<void>>();
  private readonly lost = new Set<string>();
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private probing: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly engine: () => ReconcileTarget,
    private readonly options: CounterRecoveryOptions,
  ) {
    this.policy = options.policy ?? 'store';
    this.waitMs = options.waitMs ?? 5_000;
    this.probeIntervalMs = options.probeIntervalMs ?? 5_000;
    this.lockTtlMs = options.lockTtlMs ?? 60_000;
    this.log = options.logger ?? silentLogger();
    this.events = options.events ?? {};
  }

  /** Starts the periodic probe (and probes once now). */
  start(): void {
    if (this.probeIntervalMs <= 0 || this.timer) return;
    void this.probe();
    this.timer = setInterval(() => void this.probe(), this.probeIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.recheck);
    await Promise.allSettled([this.probing, ...this.sweeps.values(), ...this.slots.values()]);
  }

  /** Resolves once no rebuild or sweep runs in this process (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.sweeps.size > 0 || this.slots.size > 0) await Promise.allSettled([...this.sweeps.values(), ...this.slots.values()]);
  }

  state(): RecoveryState {
    return { lostRegions: [...this.lost].sort(), rebuilding: this.slots.size, error: this.lastError };
  }

  answered(outcome: OutageAnswer, policy: OutagePolicy = this.policy): void {
    this.events.onAnswer?.(outcome, policy);
  }

  /** Looks for lost regions now and starts their rebuild; the regions found lost. */
  async probe(): Promise<string[]> {
    if (this.stopped) return [];
    const run = this.engine().counters.lostRegions();
    this.probing = run.catch(() => undefined);
    try {
      const lost = await run;
      const live = [...this.lost].filter((r) => !lost.includes(r));
      for (const region of live) this.lost.delete(region);
      const fresh = lost.filter((r) => !this.lost.has(r));
      for (const region of lost) this.lost.add(region);
      if (fresh.length > 0 || live.length > 0) this.changed();
      const unswept = lost.filter((r) => !this.sweeps.has(r));
      if (unswept.length > 0) void this.sweep(unswept);
      if (lost.length > 0) this.recheckSoon();
      return lost;
    } catch (err) {
      this.log.debug({ err: errorMessage(err) }, 'epoch probe failed (counter store unreachable?)');
      return [];
    }
  }

  async ensureLive(slots: readonly Slot[]): Promise<void> {
    const counters = this.engine().counters;
    const regions = [...new Set(slots.map((s) => counters.keys.region(s)))];
    const fresh = regions.filter((r) => !this.lost.has(r));
    for (const region of fresh) this.lost.add(region);
    if (fresh.length > 0) this.changed();
    const unswept = regions.filter((r) => !this.sweeps.has(r));
    if (unswept.length > 0) void this.sweep(unswept);
    await Promise.all(slots.map((slot) => this.rebuild(slot)));
  }

  /** One rebuild per slot at a time; callers of the same slot share it. */
  private rebuild(slot: Slot): Promise<void> {
    const key = slotKey(slot);
    let running = this.slots.get(key);
    if (!running) {
      running = this.rebuildNow(slot).finally(() => {
        this.slots.delete(key);
        this.changed();
      });
      this.slots.set(key, running);
      this.changed();
    }
    return running;
  }

  private async rebuildNow(slot: Slot): Promise<void> {
    const started = Date.now();
    try {
      const r = await rebuildSlot(this.engine(), this.options.source, slot, epochId());
      const ms = Date.now() - started;
      this.events.onRebuilt?.(slot, { counters: r.counters, live: r.live, ms });
      if (!r.live) this.log.warn({ slot, counters: r.counters, sealed: r.sealed, ms }, `counters of ${slotName(slot)} were lost: rebuilt from the analytics store`);
    } catch (err) {
      this.lastError = `rebuilding ${slotName(slot)}: ${errorMessage(err)}`;
      this.events.onRebuildFailed?.(slot, err);
      this.log.error({ slot, err: errorMessage(err) }, `rebuilding the counters of ${slotName(slot)} from the analytics store failed; retried on the next use`);
      throw err;
    }
  }

  /** Rebuilds lost regions: claims each, rebuilds every slot with stored usage in them, then writes their markers. */
  private sweep(regions: readonly string[]): Promise<void> {
    const run = this.sweepNow(regions)
      .catch((err: unknown) => {
        this.lastError = `rebuilding lost counters: ${errorMessage(err)}`;
        this.log.error({ regions: regions.length, err: errorMessage(err) }, 'rebuilding lost counters failed; the next probe tries again');
      })
      .finally(() => {
        for (const region of regions) if (this.sweeps.get(region) === run) this.sweeps.delete(region);
        this.changed();
      });
    for (const region of regions) this.sweeps.set(region, run);
    return run;
  }

  private async sweepNow(regions: readonly string[]): Promise<void> {
    const engine = this.engine();
    const counters = engine.counters;
    const token = randomUUID();
    const claims = await Promise.all(regions.map((r) => counters.claimRegion(r, token, this.lockTtlMs)));
    const mine = regions.filter((_, i) => claims[i] === 'claimed');
    for (const [i, region] of regions.entries()) {
      if (claims[i] === 'live') this.lost.delete(region);
    }
    if (mine.length < regions.length && claims.includes('busy')) this.recheckSoon(); // another process rebuilds some: watch for its markers
    if (mine.length === 0) return;
    const started = Date.now();
    this.events.onLost?.(mine);
    const renew = setInterval(() => void Promise.all(mine.map((r) => counters.claimRegion(r, token, this.lockTtlMs))).catch(() => undefined), Math.max(1_000, this.lockTtlMs / 3));
    renew.unref();
    let marked = false;
    try {
      const wanted = new Set(mine);
      const tenants = await reconcileTenants(engine, this.options.source);
      const slots: Slot[] = tenants.filter((t) => wanted.has(counters.keys.region(t)));
      // The global slot counts every tenant's events: with none stored, there is nothing to rebuild there either.
      if (tenants.length > 0 && wanted.has(counters.keys.region(null))) slots.push(null);
      for (const slot of slots) {
        if (this.stopped) return;
        await this.rebuild(slot);
      }
      const epoch = epochId();
      const done = await Promise.all(mine.map((r) => counters.markRegion(r, token, epoch)));
      marked = true;
      for (const [i, region] of mine.entries()) if (done[i]) this.lost.delete(region);
      this.lastError = null;
      const summary = { regions: mine.length, slots: slots.length, ms: Date.now() - started, epoch };
      if (slots.length > 0) this.log.warn(summary, 'counter store lost its data (epoch marker missing): every counter rebuilt from the analytics store');
      else this.log.info(summary, 'counter epoch initialised (nothing stored to rebuild)');
    } finally {
      clearInterval(renew);
      if (!marked) await Promise.all(mine.map((r) => counters.releaseRegion(r, token))).catch(() => undefined);
    }
  }

  /** While regions are lost, look again within a second (whatever the probe interval), until they are live. */
  private recheckSoon(): void {
    if (this.recheck || this.stopped) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      void this.probe();
    }, RECHECK_MS);
    this.recheck.unref();
  }

  private changed(): void {
    this.events.onState?.(this.state());
  }
}
