/**
 * One mapping from store failures to TallyError, shared by both adapters:
 * the store not answering (or answering "try later") is STORE_UNAVAILABLE and
 * retriable; the store rejecting what we sent is STORE_QUERY_FAILED, carrying
 * the ClickHouse code and type so callers and logs can tell which.
 */
import { TallyError } from '../core/errors.js';

/**
 * ClickHouse exception codes that describe the server's state rather than the
 * query: retrying the same statement later can succeed.
 */
export const RETRIABLE_CLICKHOUSE_CODES: ReadonlySet<number> = new Set([
  159, // TIMEOUT_EXCEEDED
  160, // TOO_SLOW
  173, // CANNOT_ALLOCATE_MEMORY
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  225, // NO_ZOOKEEPER
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  285, // TOO_FEW_LIVE_REPLICAS
  286, // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  439, // CANNOT_SCHEDULE_TASK
  473, // DEADLOCK_AVOIDED
  999, // KEEPER_EXCEPTION
  1000, // POCO_EXCEPTION (network)
]);

const MAX_MESSAGE = 600;

/** `Code: 62. DB::Exception: …` → 62. */
export function parseClickHouseCode(message: string): number | undefined {
  const m = /(?:Code|Error): (\d+)\./.exec(message);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** The `(SYNTAX_ERROR)` marker of a ClickHouse message. */
export function parseClickHouseType(message: string): string | undefined {
  const m = /\(([A-Z][A-Z0-9_]{2,})\)/.exec(message);
  return m?.[1];
}

function shorten(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

export interface StoreErrorContext {
  readonly adapter: 'chdb' | 'clickhouse';
  /** What was being done: query, command, insert, ping. */
  readonly op: string;
}

/** An error the store raised while executing a statement, classified by its ClickHouse code. */
export function engineError(code: number | undefined, message: string, ctx: StoreErrorContext, cause: unknown): TallyError {
  const type = parseClickHouseType(message);
  const details = { adapter: ctx.adapter, op: ctx.op, clickhouseCode: code ?? null, clickhouseType: type ?? null };
  if (code !== undefined && RETRIABLE_CLICKHOUSE_CODES.has(code)) {
    return new TallyError('STORE_UNAVAILABLE', `analytics store (${ctx.adapter}) is busy or failing: ${shorten(message)}`, { cause, details });
  }
  return new TallyError('STORE_QUERY_FAILED', `analytics store (${ctx.adapter}) rejected the ${ctx.op}: ${shorten(message)}`, { cause, details });
}

/** The store could not be reached or did not answer in time. */
export function unavailableError(message: string, ctx: StoreErrorContext, cause: unknown): TallyError {
  return new TallyError('STORE_UNAVAILABLE', `analytics store (${ctx.adapter}) unavailable during ${ctx.op}: ${shorten(message)}`, {
    cause,
    details: { adapter: ctx.adapter, op: ctx.op },
  });
}
