/**
 * kafkajs errors → TallyError. kafkajs has already retried whatever it
 * considers retriable by the time an error reaches us (its own retry config),
 * so the mapped error says whether retrying *the whole operation later* can
 * help: a broker that stayed unreachable, yes (LOG_UNAVAILABLE, retriable); a
 * batch the broker refuses as too large or an authorization failure, no.
 *
 * Sequence and producer-id errors of the idempotent producer
 * (OUT_OF_ORDER_SEQUENCE_NUMBER and friends) are retriable: they mean that
 * producer's state no longer matches the broker's, and the adapter replaces
 * the producer (`isProducerStateError`), so the same send can succeed.
 */
import { TallyError, isTallyError } from '../../core/errors.js';

/** The structural part of a kafkajs error that we read. */
interface KafkaJSErrorLike {
  readonly name: string;
  readonly message: string;
  readonly retriable?: boolean;
  readonly type?: string;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly broker?: string;
}

function asKafkaError(err: unknown): KafkaJSErrorLike | undefined {
  if (err instanceof Error && err.name.startsWith('KafkaJS')) return err as KafkaJSErrorLike;
  return undefined;
}

/** The innermost kafkajs error: the broker's own answer behind "retries exceeded" and friends. */
export function rootKafkaError(err: unknown): KafkaJSErrorLike | undefined {
  let current = asKafkaError(err);
  for (let depth = 0; current && depth < 10; depth++) {
    const next = asKafkaError(current.cause) ?? asKafkaError(current.originalError);
    if (!next) break;
    current = next;
  }
  return current;
}

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
const NOT_ALLOWED = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_PARTITIONS',
  'INVALID_CONFIG',
]);

/** The idempotent producer's sequence or id no longer matches the broker's: replace the producer, then retry. */
const PRODUCER_STATE = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
]);

/** Whether the error says the producer's sequence or id state is broken (see PRODUCER_STATE). */
export function isProducerStateError(err: unknown): boolean {
  return PRODUCER_STATE.has(rootKafkaError(err)?.type ?? asKafkaError(err)?.type ?? '');
}

/** Whether the broker refused a batch as too large. */
export function isTooLargeError(err: unknown): boolean {
  return TOO_LARGE.has(rootKafkaError(err)?.type ?? asKafkaError(err)?.type ?? '');
}

/** Whether kafkajs says the group is rebalancing (the batch in hand must not be committed). */
export function isRebalanceError(err: unknown): boolean {
  const type = rootKafkaError(err)?.type ?? asKafkaError(err)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}

/** Maps anything thrown by kafkajs to a TallyError; `what` names the operation, e.g. `send to usage.raw`. */
export function mapKafkaError(err: unknown, what: string): TallyError {
  if (isTallyError(err)) return err;
  const outer = asKafkaError(err);
  const root = rootKafkaError(err);
  const message = root?.message ?? (err instanceof Error ? err.message : String(err));
  const details: Record<string, unknown> = { operation: what };
  if (root) {
    details.kafka_error = root.name;
    if (root.type) details.kafka_error_type = root.type;
    if (root.broker) details.broker = root.broker;
  }
  const type = root?.type ?? '';
  if (TOO_LARGE.has(type)) {
    return new TallyError('BATCH_TOO_LARGE', `${what}: the broker refused the batch as too large (${message})`, { cause: err, details });
  }
  if (PRODUCER_STATE.has(type)) {
    return new TallyError('LOG_UNAVAILABLE', `${what}: ${message} (the producer is replaced; retry)`, { cause: err, details: { ...details, reason: 'producer_state' }, retriable: true });
  }
  if (NOT_ALLOWED.has(type)) {
    return new TallyError('LOG_UNAVAILABLE', `${what}: ${message}`, { cause: err, details, retriable: false });
  }
  // Retries exhausted, connection trouble, timeouts, leaders moving: the log may come back.
  // Anything that is not a kafkajs error is a bug, not an outage: not retriable.
  const retriable =
    outer !== undefined &&
    (outer.name === 'KafkaJSNumberOfRetriesExceeded' ||
    outer.retriable === true ||
    root?.retriable === true ||
    (root?.name ?? '').startsWith('KafkaJSConnection') ||
    root?.name === 'KafkaJSRequestTimeoutError' ||
    root?.name === 'KafkaJSLockTimeout' ||
    root?.name === 'KafkaJSNoBrokerAvailableError');
  return new TallyError('LOG_UNAVAILABLE', `${what}: ${message}`, { cause: err, details, retriable });
}
