/**
 * One root pino logger; every component logs through a child named for it.
 * Secrets never reach a log line: API keys, passwords and webhook secrets are
 * redacted by path wherever they appear.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** pino level. Default `info`, or `LOG_LEVEL`. */
  readonly level?: string;
  /** Destination stream; default stderr so that stdout stays clean for NDJSON output. */
  readonly destination?: NodeJS.WritableStream;
}

export const REDACT_PATHS = [
  'apiKey', '*.apiKey', 'api_key', '*.api_key', 'password', '*.password', 'secret', '*.secret',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'req.headers["x-api-key"]', 'config.redis.url', 'config.clickhouse.password', '*.webhooks[*].secret',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  return pino(
    { level, base: { service: 'tally' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    (options.destination ?? process.stderr) as DestinationStream,
  );
}

/** A child logger for one component, e.g. `component(root, 'processor')`. */
export function component(root: Logger, name: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ component: name, ...bindings });
}

/** A logger that drops everything; for tests and library use without logging. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
