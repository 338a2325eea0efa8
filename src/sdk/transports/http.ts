/**
 * Recorder → tally's HTTP ingest through the typed client: each batch is one
 * `POST /v1/events` with a JSON array body and `authorization: Bearer <key>`.
 *
 * - 202 (or 200), and 400 when no item was accepted: `{accepted, rejected:
 *   [{index, errors}]}` — rejected items are returned to the recorder, which
 *   reports them.
 * - other 4xx/5xx with `{error: {code, message, details}}`: a TallyError with
 *   that code (client/errors.ts), retriable as the catalog says (408, 429,
 *   502, 503, 504 and network failures are always retriable; other 4xx never).
 */
import type { FieldError } from '../../core/errors.js';
import { createTallyClient } from '../client/index.js';
import type { RecordedEvent, RejectedItem, TransportResult, UsageTransport } from '../types.js';

export { errorFor } from '../client/errors.js';

export interface HttpTransportOptions {
  /** tally's API base URL, e.g. `http://127.0.0.1:8787`; the transport posts to `<url>/v1/events`. Required. */
  readonly url: string;
  /** An API key with the ingest role. Optional for a local `tally start` without keys. */
  readonly apiKey?: string;
  /** Timeout of one request, ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `fetch` to use. Default the global one. */
  readonly fetch?: typeof fetch;
}

function rejectedItems(list: readonly { index: number; errors?: readonly FieldError[] }[]): RejectedItem[] {
  return list.map((item) => ({ index: item.index, errors: (item.errors ?? []).map((e) => ({ path: String(e.path ?? ''), reason: String(e.reason ?? 'rejected') })) }));
}

export function httpTransport(options: HttpTransportOptions): UsageTransport {
  const client = createTallyClient(options);
  return {
    async send(events: readonly RecordedEvent[]): Promise<TransportResult> {
      const answer = await client.ingest.events(events);
      return { rejected: rejectedItems(answer.rejected) };
    },
    close: async () => undefined,
  };
}
