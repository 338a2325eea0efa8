/**
 * Ingest: accepts events for the raw topic. Each input is parsed (v1,
 * CloudEvents or OTel GenAI), stamped (event_id, received_at), normalized (so
 * bad usage is refused here, with reasons, rather than dead-lettered later),
 * bound to the caller's tenant, and produced keyed by tenant. The call
 * resolves only after the event log acknowledged every accepted event; the
 * bad ones are listed with their index, field paths and reasons.
 *
 * When the log does not acknowledge (LOG_UNAVAILABLE, HTTP 503), the error
 * carries the event id of every input (`details.event_ids`, one per input,
 * null for an input refused on its own): the events may still be written, so
 * a client that retries with these ids is deduplicated instead of counted twice.
 */
import { TallyError, type FieldError } from '../core/errors.js';
import { EVENT_LIMITS } from '../events/schema.js';
import type { CloudEventMapping } from '../events/envelopes/cloudevents.js';
import { DEFAULT_TIME_WINDOW, type TimeWindow } from '../events/stamp.js';
import type { LogMessage, LogProducer } from '../eventlog/types.js';
import type { Metrics } from '../core/metrics.js';
import { acceptInput, priceAccepted, rejectionOf, RECEIVED_AT_HEADER } from '../pipeline/price-event.js';
import { pricingBeyondLimits } from '../pipeline/storable.js';
import type { NormalizedUsage } from '../normalize/types.js';
import type { Pricer } from '../pricing/pricer.js';
import type { Rejection } from '../events/types.js';
import { type StampedEvent } from '../events/types.js';
import { type Principal } from '../core/principal.js';
import { DEFAULT_TENANT } from '../core/dimensions.js';

/** The tenant an event gets when it names none; such events take the key's tenant. */

export interface IngestItem {
  /** 0-based position in the request. */
  readonly index: number;
  /** 1-based line number for NDJSON input. */
  readonly line?: number;
  readonly input: Buffer | string | unknown;
}

export interface IngestRejection {
  readonly index: number;
  readonly line?: number;
  readonly code: string;
  readonly message: string;
  readonly errors: readonly FieldError[];
}

export interface IngestResult {
  readonly accepted: number;
  /** event_id of each accepted event, in input order. */
  readonly event_ids: readonly string[];
  readonly rejected: readonly IngestRejection[];
}

export interface IngestOptions {
  readonly producer: LogProducer;
  readonly rawTopic: string;
  readonly metrics?: Metrics;
  /** Maximum encoded size of one event in bytes. Default 64 KiB. */
  readonly maxEventBytes?: number;
  /** Accepted occurred_at around the time of receipt (config `events.*`). Default DEFAULT_TIME_WINDOW. */
  readonly timeWindow?: TimeWindow;
  /**
   * Prices each event too, to refuse here what the processor would
   * dead-letter after the 202: an event priced beyond the most one event may
   * cost (a catalog price gone wrong). The processor prices again, with its
   * own catalog.
   */
  readonly pricer?: Pricer;
  readonly clock?: () => Date;
  /** How CloudEvent attributes map to v1 fields (config `cloudevents.*`). Default: subject → user_id. */
  readonly cloudEvents?: CloudEventMapping;
}

export interface IngestService {
  ingest(items: readonly IngestItem[], principal: Principal, path: 'http' | 'cli' | 'sdk'): Promise<IngestResult>;
}

function tenantCheck(event: StampedEvent, principal: Principal): StampedEvent | FieldError {
  if (principal.tenant === '*') return event;
  if (event.tenant === DEFAULT_TENANT) return { ...event, tenant: principal.tenant };
  if (event.tenant !== principal.tenant) {
    return { path: 'tenant', reason: `API key ${principal.keyId} may only write events for tenant ${JSON.stringify(principal.tenant)}` };
  }
  return event;
}

/** Why pricing would keep an accepted event out of the store, or null. */
function pricingProblem(pricer: Pricer, event: StampedEvent, usage: NormalizedUsage): Rejection | null {
  try {
    return pricingBeyondLimits(priceAccepted(pricer, event, usage, null).pricing);
  } catch (err) {
    return rejectionOf(err);
  }
}

/** A send that failed: LOG_UNAVAILABLE (and other in-doubt errors) name the event ids so that a retry is deduplicated. */
function notAcknowledged(err: unknown, eventIds: readonly (string | null)[], rejected: readonly IngestRejection[]): TallyError {
  const error = err instanceof TallyError ? err : new TallyError('LOG_UNAVAILABLE', 'the event log did not acknowledge the events', { cause: err });
  if (error.code !== 'LOG_UNAVAILABLE' && error.code !== 'SHUTTING_DOWN') return error;
  return new TallyError(error.code, `${error.message}; retry with the same event ids (details.event_ids)`, {
    cause: error.cause ?? error,
    retriable: error.retriable,
    details: { ...error.details, event_ids: eventIds, ...(rejected.length > 0 ? { rejected } : {}) },
  });
}

export function createIngestService(options: IngestOptions): IngestService {
  const maxBytes = options.maxEventBytes ?? EVENT_LIMITS.maxEventBytes;
  const clock = options.clock ?? (() => new Date());
  const timeWindow = options.timeWindow ?? DEFAULT_TIME_WINDOW;
  return {
    async ingest(items, principal, path): Promise<IngestResult> {
      const receivedAt = clock();
      const receivedText = receivedAt.toISOString();
      const messages: LogMessage[] = [];
      const ids: string[] = [];
      const byInput: (string | null)[] = items.map(() => null);
      const rejected: IngestRejection[] = [];
      const reject = (item: IngestItem, code: string, message: string, errors: readonly FieldError[]): void => {
        rejected.push({ index: item.index, ...(item.line === undefined ? {} : { line: item.line }), code, message, errors });
      };
      for (const [position, item] of items.entries()) {
        const accepted = acceptInput(item.input, { receivedAt, maxBytes, timeWindow, ...(options.cloudEvents ? { cloudEvents: options.cloudEvents } : {}) });
        if (!accepted.ok) {
          reject(item, accepted.rejection.code, accepted.rejection.message, accepted.rejection.errors);
          continue;
        }
        const bound = tenantCheck(accepted.event, principal);
        if ('reason' in bound) {
          reject(item, 'FORBIDDEN', `tenant: ${bound.reason}`, [bound]);
          continue;
        }
        const unpriceable = options.pricer === undefined ? null : pricingProblem(options.pricer, accepted.event, accepted.usage);
        if (unpriceable !== null) {
          reject(item, unpriceable.code, unpriceable.message, unpriceable.errors);
          continue;
        }
        const value = JSON.stringify(bound);
        const size = Buffer.byteLength(value);
        if (size > maxBytes) {
          const reason = `is ${size} bytes once stamped, over the limit of ${maxBytes} bytes`;
          reject(item, 'EVENT_TOO_LARGE', `event ${reason}`, [{ path: '', reason }]);
          continue;
        }
        messages.push({ key: bound.tenant, value, headers: { [RECEIVED_AT_HEADER]: receivedText } });
        ids.push(bound.event_id);
        byInput[position] = bound.event_id;
      }
      if (messages.length > 0) {
        try {
          await options.producer.send(options.rawTopic, messages);
        } catch (err) {
          throw notAcknowledged(err, byInput, rejected);
        }
        options.metrics?.eventsProduced.inc({ path }, messages.length);
      }
      return { accepted: messages.length, event_ids: ids, rejected };
    },
  };
}
