/**
 * Alert webhooks: each threshold crossing is POSTed as JSON to every
 * configured URL, signed with HMAC-SHA256, retried with capped exponential
 * backoff, and every outcome is visible (returned, counted, logged, and kept
 * in a short list of recent failures for /readyz-style reporting).
 *
 * Request:
 *   POST <url>
 *   content-type: application/json
 *   x-tally-event: budget.threshold_crossed
 *   x-tally-delivery: <alert id>          the same for every retry and redelivery: dedupe on it
 *   x-tally-timestamp: <unix seconds>
 *   x-tally-signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   body: the alert body (AlertBody)
 *
 * Receivers verify with `verifySignature` (or the same three lines in any
 * language) and reject timestamps older than a few minutes.
 *
 * Retried: network errors, timeouts, 408, 429 (honouring Retry-After up to the
 * delay cap) and 5xx. Not retried: other 4xx (the endpoint refuses; retrying
 * cannot help). A failed delivery never throws: webhooks must not stop the
 * stream; the usage.alerts topic stays the durable record.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { TallyError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { withRetry } from '../core/retry.js';
import type { ThresholdCrossing } from './types.js';

export interface WebhookTarget {
  readonly url: string;
  /** Shared secret for the signature (at least 16 characters). */
  readonly secret: string;
}

export interface WebhookOptions {
  readonly targets: readonly WebhookTarget[];
  /** Retries after the first attempt. Default 5. */
  readonly retries?: number;
  /** First backoff delay. Default 500 ms. */
  readonly initialDelayMs?: number;
  /** Backoff cap (also caps Retry-After). Default 30 s. */
  readonly maxDelayMs?: number;
  /** Per-attempt timeout. Default 10 s. */
  readonly timeoutMs?: number;
  /** Stops retrying (e.g. at shutdown). */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** Called with every final outcome (metrics). */
  readonly onDelivery?: (report: DeliveryReport) => void;
  /** Injectable for tests. Default global fetch. */
  readonly fetch?: typeof fetch;
  /** Epoch ms. Default Date.now. */
  readonly clock?: () => number;
}

export interface DeliveryReport {
  readonly url: string;
  readonly alert_id: string;
  readonly ok: boolean;
  readonly attempts: number;
  /** HTTP status of the last attempt, or null when no response arrived. */
  readonly status: number | null;
  readonly error: string | null;
  readonly duration_ms: number;
}

export interface WebhookStats {
  readonly delivered: number;
  readonly failed: number;
  readonly retries: number;
}

export const SIGNATURE_HEADER = 'x-tally-signature';
export const TIMESTAMP_HEADER = 'x-tally-timestamp';
export const DELIVERY_HEADER = 'x-tally-delivery';

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Checks a signature in constant time, and that the timestamp is within `toleranceSeconds` of now. */
export function verifySignature(
  secret: string,
  signature: string,
  timestamp: string | number,
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return false;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - ts) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signPayload(secret, ts, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function retryAfterMs(header: string | null, cap: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(cap, Math.max(0, seconds * 1000));
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.min(cap, Math.max(0, at - Date.now()));
}

export class WebhookNotifier {
  private delivered = 0;
  private failed = 0;
  private retried = 0;
  private readonly failures: DeliveryReport[] = [];
  private readonly log: Logger;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: WebhookOptions) {
    this.log = options.logger ?? silentLogger();
    this.fetchFn = options.fetch ?? fetch;
    for (const t of options.targets) {
      if (t.secret.length < 16) throw new TallyError('CONFIG_INVALID', `webhook ${t.url}: the secret must be at least 16 characters`);
    }
  }

  /** Delivers every crossing to every target; resolves with one report per (crossing, target). Never rejects. */
  async send(crossings: readonly ThresholdCrossing[]): Promise<DeliveryReport[]> {
    const jobs = crossings.flatMap((c) => this.options.targets.map((t) => this.deliver(t, c)));
    return Promise.all(jobs);
  }

  stats(): WebhookStats {
    return { delivered: this.delivered, failed: this.failed, retries: this.retried };
  }

  /** The last failed deliveries, newest last (at most 100). */
  recentFailures(): readonly DeliveryReport[] {
    return [...this.failures];
  }

  private async deliver(target: WebhookTarget, crossing: ThresholdCrossing): Promise<DeliveryReport> {
    const clock = this.options.clock ?? Date.now;
    const started = clock();
    const body = JSON.stringify(crossing.body);
    let attempts = 0;
    let status: number | null = null;
    let pauseMs: number | null = null;
    const maxDelay = this.options.maxDelayMs ?? 30_000;
    try {
      await withRetry(
        async () => {
          if (pauseMs !== null) {
            await new Promise((r) => setTimeout(r, pauseMs ?? 0));
            pauseMs = null;
          }
          attempts += 1;
          const timestamp = Math.floor(clock() / 1000);
          let res: Response;
          try {
            res = await this.fetchFn(target.url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'user-agent': 'tally-webhooks',
                'x-tally-event': crossing.body.type,
                [DELIVERY_HEADER]: crossing.id,
                [TIMESTAMP_HEADER]: String(timestamp),
                [SIGNATURE_HEADER]: signPayload(target.secret, timestamp, body),
              },
              body,
              signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
            });
          } catch (err) {
            status = null;
            throw new TallyError('WEBHOOK_FAILED', `webhook ${target.url} unreachable: ${errorMessage(err)}`, { cause: err });
          }
          status = res.status;
          await res.body?.cancel().catch(() => undefined);
          if (res.ok) return;
          const retriable = res.status === 408 || res.status === 429 || res.status >= 500;
          // Retry-After replaces one backoff step (the wait happens before the next attempt).
          if (res.status === 429 || res.status === 503) pauseMs = retryAfterMs(res.headers.get('retry-after'), maxDelay);
          throw new TallyError('WEBHOOK_FAILED', `webhook ${target.url} answered ${res.status}`, { retriable, details: { status: res.status } });
        },
        {
          retries: this.options.retries ?? 5,
          initialDelayMs: this.options.initialDelayMs ?? 500,
          maxDelayMs: maxDelay,
          signal: this.options.signal,
          onRetry: (err, attempt, delayMs) => {
            this.retried += 1;
            this.log.warn({ url: target.url, alertId: crossing.id, attempt, delayMs, err: errorMessage(err) }, 'webhook delivery failed; retrying');
          },
        },
      );
      this.delivered += 1;
      const report: DeliveryReport = { url: target.url, alert_id: crossing.id, ok: true, attempts, status, error: null, duration_ms: clock() - started };
      this.options.onDelivery?.(report);
      return report;
    } catch (err) {
      this.failed += 1;
      const report: DeliveryReport = { url: target.url, alert_id: crossing.id, ok: false, attempts, status, error: errorMessage(err), duration_ms: clock() - started };
      this.failures.push(report);
      if (this.failures.length > 100) this.failures.shift();
      this.log.error({ url: target.url, alertId: crossing.id, attempts, status, err: errorMessage(err) }, 'webhook delivery failed; giving up');
      this.options.onDelivery?.(report);
      return report;
    }
  }
}
