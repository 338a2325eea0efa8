/**
 * Readiness of one process, from two kinds of checks, each under a name:
 *
 * - reported: a component says how its work goes (`ok(name)`, `fail(name,
 *   err)`), e.g. the processor after each sink write (store, counters, dlq)
 *   and its consumer;
 * - probed: a dependency is asked on each /readyz (`addProbe`): the store
 *   pinged, Redis pinged, Kafka asked for the raw topic's offsets. Each probe
 *   is bounded by a timeout, at most one check of a dependency runs at a
 *   time (a hung dependency is not asked again until it answers), and a
 *   result is reused for `cacheMs`, so frequent polling stays cheap.
 *
 * The process is ready when no check of either kind is failing and it is not
 * stopping; a name failing in either kind is failing — except a probe whose
 * `degradesOnly` says the process still does its work without that
 * dependency: its failure is reported with `degraded: true` and the process
 * stays ready (`tally api`'s Redis while every budget fails open). Served by /readyz and
 * exported as the tally_ready gauge. Probes are a list of named functions, so
 * a process (or a later feature) adds one without touching the others.
 * Sections (`addSection`) add what a component says about its state to the
 * report without changing readiness, e.g. `counters`: whether the counter
 * store answers and which outage policies are in effect.
 */
import { errorMessage } from './errors.js';

export interface CheckState {
  readonly ok: boolean;
  /** ISO time the current state began. */
  readonly since: string;
  readonly error?: string;
  /** Consecutive failures. */
  readonly failures: number;
  /** Failing, but the process stays ready: its probe's `degradesOnly` says the process still answers without it. */
  readonly degraded?: true;
}

export interface HealthReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, CheckState>>;
  /** Sections a component adds with `addSection` (e.g. `counters`: the counter store's state and the outage policy in effect), by name. */
  readonly [section: string]: unknown;
}

/** Reads a section of the report (state only: no dependency is asked, it must not throw). */
export type HealthSection = () => unknown;

/** A dependency asked on /readyz. */
export interface ReadinessProbe {
  /** The check's name in the report (`store`, `redis`, `kafka`, …). */
  readonly name: string;
  /** Resolves when the dependency answers; rejects with why not. `signal` aborts at the timeout. */
  check(signal: AbortSignal): Promise<void>;
  /**
   * Asked while the check fails: true when the process still does its work without the dependency, so the
   * failure is reported (`degraded: true`) but does not make the process unready — e.g. `tally api`'s Redis while
   * every budget in force fails open. Absent: a failure always makes the process unready.
   */
  readonly degradesOnly?: () => boolean;
}

export interface HealthOptions {
  /** Told whenever readiness may have changed (the tally_ready gauge). */
  readonly onChange?: (ready: boolean) => void;
  /** A probe that has not answered after this long is failing. Default 2000 ms. */
  readonly timeoutMs?: number;
  /** A probe result is reused this long before the dependency is asked again. Default 1000 ms. */
  readonly cacheMs?: number;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 2_000;
export const DEFAULT_PROBE_CACHE_MS = 1_000;

interface ProbeSlot {
  readonly probe: ReadinessProbe;
  /** When the last check ended (or timed out); 0 before the first. */
  checkedAt: number;
  /** The check still running, if any. */
  running: Promise<void> | null;
}

function nextState(prev: CheckState | undefined, err: unknown | null): CheckState {
  if (err === null) return prev?.ok ? prev : { ok: true, since: new Date().toISOString(), failures: 0 };
  return {
    ok: false,
    since: prev && !prev.ok ? prev.since : new Date().toISOString(),
    error: errorMessage(err),
    failures: (prev && !prev.ok ? prev.failures : 0) + 1,
  };
}

export class HealthState {
  readonly #checks = new Map<string, CheckState>();
  readonly #probed = new Map<string, CheckState>();
  readonly #probes: ProbeSlot[] = [];
  readonly #sections = new Map<string, HealthSection>();
  readonly #onChange: ((ready: boolean) => void) | undefined;
  readonly #timeoutMs: number;
  readonly #cacheMs: number;
  #stopping = false;

  constructor(options: HealthOptions = {}) {
    this.#onChange = options.onChange;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    this.#cacheMs = options.cacheMs ?? DEFAULT_PROBE_CACHE_MS;
  }

  ok(name: string): void {
    const prev = this.#checks.get(name);
    if (prev?.ok) return;
    this.#checks.set(name, nextState(prev, null));
    this.#onChange?.(this.ready());
  }

  fail(name: string, err: unknown): void {
    this.#checks.set(name, nextState(this.#checks.get(name), err));
    this.#onChange?.(false);
  }

  /** Adds a dependency to ask on every readiness check. */
  addProbe(probe: ReadinessProbe): void {
    this.#probes.push({ probe, checkedAt: 0, running: null });
  }

  /**
   * Adds a section to every report, under `name` next to `ready` and
   * `checks`: what a component says about its state (not a check — it does
   * not change readiness).
   */
  addSection(name: string, read: HealthSection): void {
    if (name === 'ready' || name === 'checks') throw new Error(`a health section may not be named ${name}`);
    this.#sections.set(name, read);
  }

  /** Names of the probes, in the order they were added. */
  probeNames(): string[] {
    return this.#probes.map((s) => s.probe.name);
  }

  /** Marks the process as stopping: not ready from now on. */
  stopping(): void {
    this.#stopping = true;
    this.#onChange?.(false);
  }

  /** Readiness from the latest results (no dependency is asked). */
  ready(): boolean {
    if (this.#stopping) return false;
    for (const c of this.#checks.values()) if (!c.ok) return false;
    for (const [name, c] of this.#probed) if (!c.ok && !this.#degradesOnly(name)) return false;
    return true;
  }

  /** Whether a failure of the probe `name` only degrades the process (see ReadinessProbe.degradesOnly). */
  #degradesOnly(name: string): boolean {
    const probe = this.#probes.find((slot) => slot.probe.name === name)?.probe;
    if (probe?.degradesOnly === undefined || this.#checks.get(name)?.ok === false) return false;
    try {
      return probe.degradesOnly();
    } catch {
      return false;
    }
  }

  /** The report from the latest results (no dependency is asked). */
  report(): HealthReport {
    const checks: Record<string, CheckState> = {};
    for (const [name, c] of this.#probed) checks[name] = !c.ok && this.#degradesOnly(name) ? { ...c, degraded: true } : c;
    for (const [name, c] of this.#checks) if (!c.ok || checks[name] === undefined) checks[name] = c;
    if (this.#stopping) checks.process = { ok: false, since: new Date().toISOString(), error: 'shutting down', failures: 0 };
    const sections: Record<string, unknown> = {};
    for (const [name, read] of this.#sections) {
      try {
        sections[name] = read();
      } catch (err) {
        sections[name] = { error: errorMessage(err) };
      }
    }
    return { ...sections, ready: this.ready(), checks };
  }

  /** Asks every probe whose result is older than the cache time (each bounded by the timeout), then reports. */
  async probe(): Promise<HealthReport> {
    await Promise.all(this.#probes.map((slot) => this.#refresh(slot)));
    const report = this.report();
    this.#onChange?.(report.ready);
    return report;
  }

  async #refresh(slot: ProbeSlot): Promise<void> {
    if (slot.running === null && Date.now() - slot.checkedAt < this.#cacheMs && this.#probed.has(slot.probe.name)) return;
    const name = slot.probe.name;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#probed.set(name, nextState(this.#probed.get(name), new Error(`did not answer within ${this.#timeoutMs} ms`)));
        resolve();
      }, this.#timeoutMs);
      timer.unref?.();
    });
    if (slot.running === null) {
      const controller = new AbortController();
      const abort = setTimeout(() => controller.abort(), this.#timeoutMs);
      abort.unref?.();
      slot.running = slot.probe
        .check(controller.signal)
        .then(
          () => {
            this.#probed.set(name, nextState(this.#probed.get(name), null));
          },
          (err: unknown) => {
            this.#probed.set(name, nextState(this.#probed.get(name), err));
          },
        )
        .finally(() => {
          clearTimeout(abort);
          slot.checkedAt = Date.now();
          slot.running = null;
        });
    }
    await Promise.race([slot.running, timedOut]);
    clearTimeout(timer);
  }
}
