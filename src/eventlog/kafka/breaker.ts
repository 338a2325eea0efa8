/**
 * The producer's circuit breaker. After a send failed because the log was
 * unavailable (or did not answer within the send deadline), further sends are
 * refused at once, without touching the broker, except one probe per
 * `probeIntervalMs`; the first probe that succeeds closes the circuit. During
 * an outage callers therefore get their answer (HTTP 503 with `Retry-After`)
 * immediately instead of queueing behind kafkajs' reconnect attempts, and
 * nothing they send can be written later behind their back.
 */
export interface BreakerDecision {
  /** Send: the circuit is closed, or this send is the probe. */
  readonly allowed: boolean;
  /** When refused: seconds until the next probe may go (at least 1). */
  readonly retryAfterSeconds: number;
  /** Since when the circuit is open (epoch ms), when refused. */
  readonly openSince: number | null;
}

export class CircuitBreaker {
  private openSince: number | null = null;
  private nextProbeAt = 0;
  private probing = false;

  constructor(
    private readonly probeIntervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get open(): boolean {
    return this.openSince !== null;
  }

  /** Call before a send. When allowed and the circuit is open, the caller is the probe and must report its outcome. */
  admit(): BreakerDecision & { readonly probe: boolean } {
    if (this.openSince === null) return { allowed: true, probe: false, retryAfterSeconds: 0, openSince: null };
    const now = this.now();
    if (!this.probing && now >= this.nextProbeAt) {
      this.probing = true;
      return { allowed: true, probe: true, retryAfterSeconds: 0, openSince: this.openSince };
    }
    const wait = Math.max(this.nextProbeAt - now, this.probing ? this.probeIntervalMs : 0);
    return { allowed: false, probe: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)), openSince: this.openSince };
  }

  /** A send succeeded: the log answers again. */
  succeeded(probe: boolean): void {
    if (probe) this.probing = false;
    this.openSince = null;
  }

  /** A send found the log unavailable: open (or keep open) the circuit until the next probe. */
  failed(probe: boolean): void {
    if (probe) this.probing = false;
    const now = this.now();
    this.openSince ??= now;
    this.nextProbeAt = now + this.probeIntervalMs;
  }

  /** A send ended for a reason that says nothing about the log (e.g. refused as too large): only frees the probe. */
  released(probe: boolean): void {
    if (probe) this.probing = false;
  }
}
