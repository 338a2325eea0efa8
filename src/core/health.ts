/**
 * Readiness of one process: each dependency (store, counters, log, dlq, …)
 * reports ok or failing; the process is ready when none is failing. Served
 * by /readyz and exported as the tally_ready gauge.
 */
import { errorMessage } from './errors.js';

export interface CheckState {
  readonly ok: boolean;
  /** ISO time the current state began. */
  readonly since: string;
  readonly error?: string;
  /** Consecutive failures. */
  readonly failures: number;
}

export interface HealthReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, CheckState>>;
}

export class HealthState {
  readonly #checks = new Map<string, CheckState>();
  readonly #onChange: ((ready: boolean) => void) | undefined;
  #stopping = false;

  constructor(onChange?: (ready: boolean) => void) {
    this.#onChange = onChange;
  }

  ok(name: string): void {
    const prev = this.#checks.get(name);
    if (prev?.ok) return;
    this.#checks.set(name, { ok: true, since: new Date().toISOString(), failures: 0 });
    this.#onChange?.(this.ready());
  }

  fail(name: string, err: unknown): void {
    const prev = this.#checks.get(name);
    this.#checks.set(name, {
      ok: false,
      since: prev && !prev.ok ? prev.since : new Date().toISOString(),
      error: errorMessage(err),
      failures: (prev && !prev.ok ? prev.failures : 0) + 1,
    });
    this.#onChange?.(false);
  }

  /** Marks the process as stopping: not ready from now on. */
  stopping(): void {
    this.#stopping = true;
    this.#onChange?.(false);
  }

  ready(): boolean {
    if (this.#stopping) return false;
    for (const c of this.#checks.values()) if (!c.ok) return false;
    return true;
  }

  report(): HealthReport {
    const checks = Object.fromEntries(this.#checks);
    if (this.#stopping) checks.process = { ok: false, since: new Date().toISOString(), error: 'shutting down', failures: 0 };
    return { ready: this.ready(), checks };
  }
}
