/** Conversions between kafkajs messages and the port's records. */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { LogMessage, LogRecord } from '../types.js';

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

export function toLogRecord(topic: string, partition: number, message: KafkaMessage): LogRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined) headers[name] = text;
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value ?? Buffer.alloc(0),
    headers,
    timestamp: Number(message.timestamp),
  };
}

export function toKafkaMessage(message: LogMessage): Message {
  return {
    key: message.key,
    value: message.value,
    ...(message.headers ? { headers: { ...message.headers } } : {}),
    ...(message.timestamp === undefined ? {} : { timestamp: String(message.timestamp) }),
  };
}

/** `offset + 1` for int64 offsets as decimal text. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
