/**
 * CloudEvents 1.0 HTTP binding, binary content mode: the context attributes
 * travel as `ce-<name>` headers (`ce-id`, `ce-source`, `ce-type`,
 * `ce-subject`, `ce-time`, extensions such as `ce-tenant`), the body is the
 * event data, and Content-Type is `datacontenttype`. This builds the
 * structured-mode object from them, so both modes are read by the one
 * mapping in cloudevents.ts (and refused with the same reasons).
 *
 * Header values are percent-decoded, as the binding requires (a value that
 * is not valid percent-encoding is kept as sent). A request is in binary mode
 * when it carries `ce-specversion` and its body is not itself a CloudEvent
 * (application/cloudevents+json, whose headers the binding says to ignore).
 */
import { setOwn } from './types.js';

const PREFIX = 'ce-';
const STRUCTURED_TYPES = new Set(['application/cloudevents+json', 'application/cloudevents-batch+json']);

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

function percentDecoded(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Whether a request with these headers and media type is a binary-mode CloudEvent. */
export function isBinaryCloudEvent(headers: HeaderBag, mediaType: string | null): boolean {
  return headers['ce-specversion'] !== undefined && (mediaType === null || !STRUCTURED_TYPES.has(mediaType));
}

/**
 * The structured form of a binary-mode CloudEvent: every `ce-*` header as an
 * attribute (lower-case name without the prefix; a repeated header's values
 * joined with ", " as HTTP does), `datacontenttype` from Content-Type, and
 * the parsed body as `data`.
 */
export function fromBinaryCloudEvent(headers: HeaderBag, data: unknown): Record<string, unknown> {
  const ce: Record<string, unknown> = {};
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (!lower.startsWith(PREFIX) || lower.length === PREFIX.length) continue;
    const raw = headers[name];
    if (raw === undefined) continue;
    const value = typeof raw === 'string' ? raw : raw.join(', ');
    setOwn(ce, lower.slice(PREFIX.length), percentDecoded(value));
  }
  const contentType = headers['content-type'];
  if (typeof contentType === 'string' && contentType !== '') ce.datacontenttype = contentType;
  ce.data = data;
  return ce;
}
