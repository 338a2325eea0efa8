/**
 * Routes @clickhouse/client's log lines into tally's pino logger. Query text
 * and bound values never reach a log line unless `logQueries` is set: they
 * may hold personal data (user ids, metadata).
 */
import {
  ClickHouseLogLevel,
  type ErrorLogParams,
  type Logger as ClientLogger,
  type LogParams,
  type WarnLogParams,
} from '@clickhouse/client';
import type { Logger } from '../../core/logger.js';

/** Argument keys the client may fill with query text or values. */
const QUERY_KEYS = new Set(['query', 'query_params', 'search_params', 'params', 'values', 'body']);

function scrub(args: Record<string, unknown> | undefined, logQueries: boolean): Record<string, unknown> {
  if (!args) return {};
  if (logQueries) return args;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) if (!QUERY_KEYS.has(k)) out[k] = v;
  return out;
}

/** A LoggerClass for `createClient({ log: { LoggerClass } })` writing to `log`. */
export function clickHouseLoggerClass(log: Logger, logQueries = false): new () => ClientLogger {
  const write = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', p: LogParams & { err?: Error }): void => {
    const fields: Record<string, unknown> = { module: p.module, ...scrub(p.args, logQueries) };
    if (p.err) fields.err = p.err;
    log[level](fields, p.message);
  };
  return class PinoClickHouseLogger implements ClientLogger {
    trace(p: LogParams): void {
      write('trace', p);
    }
    debug(p: LogParams): void {
      write('debug', p);
    }
    info(p: LogParams): void {
      write('info', p);
    }
    warn(p: WarnLogParams): void {
      write('warn', p);
    }
    error(p: ErrorLogParams): void {
      write('error', p);
    }
  };
}

/** The client log level matching a pino level, so the client does not build lines pino would drop. */
export function clickHouseLogLevel(log: Logger): ClickHouseLogLevel {
  switch (log.level) {
    case 'trace':
      return ClickHouseLogLevel.TRACE;
    case 'debug':
      return ClickHouseLogLevel.DEBUG;
    case 'info':
      return ClickHouseLogLevel.INFO;
    case 'warn':
      return ClickHouseLogLevel.WARN;
    case 'silent':
      return ClickHouseLogLevel.OFF;
    default:
      return ClickHouseLogLevel.ERROR;
  }
}
