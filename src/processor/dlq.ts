/**
 * Dead letters. A DLQ record keeps the original bytes untouched as its value
 * (so `tally replay --from-dlq` can send them back as they were) and says why
 * in headers: the error code, a message, every field error, where the record
 * came from and when it failed.
 */
import type { LogMessage, LogRecord } from '../eventlog/types.js';
import type { FieldError } from '../core/errors.js';
import { type Rejection } from '../events/types.js';

export const DLQ_HEADERS = {
  code: 'tally-dlq-code',
  message: 'tally-dlq-message',
  errors: 'tally-dlq-errors',
  sourceTopic: 'tally-source-topic',
  sourcePartition: 'tally-source-partition',
  sourceOffset: 'tally-source-offset',
  failedAt: 'tally-failed-at',
} as const;

/** Field errors kept in a header are capped so one absurd record cannot make a huge message. */
const MAX_ERRORS_HEADER = 8 * 1024;

export function dlqMessage(record: LogRecord, rejection: Rejection, now: Date): LogMessage {
  let errors = JSON.stringify(rejection.errors);
  if (errors.length > MAX_ERRORS_HEADER) errors = JSON.stringify(rejection.errors.slice(0, 20));
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DLQ_HEADERS.code]: rejection.code,
      [DLQ_HEADERS.message]: rejection.message.slice(0, 1024),
      [DLQ_HEADERS.errors]: errors,
      [DLQ_HEADERS.sourceTopic]: record.topic,
      [DLQ_HEADERS.sourcePartition]: String(record.partition),
      [DLQ_HEADERS.sourceOffset]: record.offset,
      [DLQ_HEADERS.failedAt]: now.toISOString(),
    },
  };
}

export interface DlqEntry {
  readonly code: string;
  readonly message: string;
  readonly errors: readonly FieldError[];
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string } | null;
  readonly failedAt: string | null;
  readonly value: Buffer;
  readonly key: string | null;
  /** The headers the record had before it was dead-lettered. */
  readonly originalHeaders: Readonly<Record<string, string>>;
}

export function readDlqRecord(record: LogRecord): DlqEntry {
  const h = record.headers;
  let errors: FieldError[] = [];
  try {
    const parsed: unknown = JSON.parse(h[DLQ_HEADERS.errors] ?? '[]');
    if (Array.isArray(parsed)) errors = parsed as FieldError[];
  } catch {
    errors = [];
  }
  const dlqNames = new Set<string>(Object.values(DLQ_HEADERS));
  const originalHeaders = Object.fromEntries(Object.entries(h).filter(([k]) => !dlqNames.has(k)));
  const topic = h[DLQ_HEADERS.sourceTopic];
  return {
    code: h[DLQ_HEADERS.code] ?? 'UNKNOWN',
    message: h[DLQ_HEADERS.message] ?? '',
    errors,
    source: topic ? { topic, partition: Number(h[DLQ_HEADERS.sourcePartition] ?? -1), offset: h[DLQ_HEADERS.sourceOffset] ?? '-1' } : null,
    failedAt: h[DLQ_HEADERS.failedAt] ?? null,
    value: record.value,
    key: record.key,
    originalHeaders,
  };
}
