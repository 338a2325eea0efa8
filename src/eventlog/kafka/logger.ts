/**
 * kafkajs logs through this creator into tally's pino logger (component
 * `kafka`), so its lines are JSON like every other line, with kafkajs'
 * namespace (`Consumer`, `Connection`, …) as a field.
 *
 * Two adjustments, both deliberate:
 * - `[Connection] Response …` errors are logged by kafkajs at ERROR for every
 *   broker error response, including retriable ones it then retries (a group
 *   coordinator still loading, a leader moving). They become `warn`; a failure
 *   that survives kafkajs' retries still reaches the caller as a TallyError.
 * - "Limiting retries for the idempotent producer may invalidate EoS
 *   guarantees" becomes `debug`: tally bounds producer retries on purpose (a
 *   send must fail in bounded time so that HTTP ingest can answer 503), and
 *   exactly-once counting rests on the sinks' event-id dedupe, not on Kafka EoS.
 */
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '../../core/logger.js';

type PinoLevel = 'error' | 'warn' | 'info' | 'debug';

/** The kafkajs level matching a pino level, so kafkajs builds no line pino would drop. */
export function kafkaLogLevel(logger: Logger): logLevel {
  switch (logger.level) {
    case 'silent':
      return logLevel.NOTHING;
    case 'fatal':
    case 'error':
      return logLevel.ERROR;
    case 'warn':
      return logLevel.WARN;
    case 'info':
      return logLevel.INFO;
    default:
      return logLevel.DEBUG;
  }
}

function pinoLevel(entry: LogEntry): PinoLevel {
  const message = String(entry.log.message);
  if (entry.level === logLevel.ERROR && entry.namespace === 'Connection' && message.startsWith('Response ')) return 'warn';
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  switch (entry.level) {
    case logLevel.ERROR:
      return 'error';
    case logLevel.WARN:
      return 'warn';
    case logLevel.INFO:
      return 'info';
    default:
      return 'debug';
  }
}

/** A kafkajs `logCreator` writing into `logger` (already a `kafka` component child). */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () => (entry: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _source, ...fields } = entry.log as Record<string, unknown>;
    logger[pinoLevel(entry)]({ namespace: entry.namespace, ...fields }, String(message));
  };
}
