/**
 * The OTLP traces receiver (`POST /v1/traces`): an export request, in its
 * OTLP/JSON shape (protobuf is decoded into it first, trace-proto.ts), becomes
 * one ingest item per GenAI span. Each span is read by the same OTel envelope
 * as a single span sent to /v1/events (events/envelopes/otel.ts), with its
 * resource attached, so the GenAI mapping exists once.
 *
 * - A span is GenAI when one of its own attributes is `gen_ai.usage.*`; the
 *   others (HTTP, DB, …) are ignored and counted (`tally_otlp_spans_total`
 *   with outcome `ignored`), never errors.
 * - Tenant and user: the first configured attribute present (`otlp.*`), on
 *   the span, then on its resource, is given to the span as `tally.tenant` /
 *   `tally.user_id`, which the envelope reads before any other name.
 * - Event ids are `<traceId>-<spanId>` (the envelope's rule), so an
 *   exporter's retry is deduplicated.
 * - Invalid GenAI spans are rejected, the rest accepted: the answer is an
 *   OTLP partial success (rejected count and the first reasons).
 * - Any number of spans: they are ingested in chunks of `maxBatch`. A chunk the
 *   log does not acknowledge fails the request (503), and the exporter's retry
 *   resends every span under the same ids.
 */
import type { Metrics } from '../../core/metrics.js';
import type { Principal } from '../../core/principal.js';
import type { IngestItem, IngestRejection, IngestService } from '../service.js';

export interface TraceMapping {
  /** Attributes naming the tenant, first present wins (span, then resource). */
  readonly tenantAttributes: readonly string[];
  /** Attributes naming the user, first present wins (span, then resource). */
  readonly userAttributes: readonly string[];
}

export const DEFAULT_TRACE_MAPPING: TraceMapping = { tenantAttributes: ['tally.tenant'], userAttributes: ['user.id', 'enduser.id'] };

export interface TraceExportResult {
  readonly accepted: number;
  readonly ignored: number;
  readonly rejected: number;
  /** Why spans were rejected (the first few, by span id); '' when none was. */
  readonly errorMessage: string;
}

export interface TraceReceiver {
  receive(request: unknown, principal: Principal): Promise<TraceExportResult>;
}

export interface TraceReceiverOptions {
  readonly ingest: IngestService;
  readonly mapping?: TraceMapping;
  readonly metrics?: Metrics;
  /** Spans per ingest call. Default 10000 (`api.maxBatchEvents`). */
  readonly maxBatch?: number;
}

/** Reasons named in the partial-success message; the count says how many more. */
const REASONS_SHOWN = 5;
const USAGE_PREFIX = 'gen_ai.usage.';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** An OTLP/JSON attribute list's value for `key` (an AnyValue), or undefined. */
function attribute(attributes: readonly unknown[], key: string): unknown {
  for (const kv of attributes) if (isObject(kv) && kv.key === key) return kv.value;
  return undefined;
}

function isGenAi(attributes: readonly unknown[]): boolean {
  for (const kv of attributes) if (isObject(kv) && typeof kv.key === 'string' && kv.key.startsWith(USAGE_PREFIX)) return true;
  return false;
}

function firstOf(keys: readonly string[], span: readonly unknown[], resource: readonly unknown[]): unknown {
  for (const key of keys) {
    const v = attribute(span, key) ?? attribute(resource, key);
    if (v !== undefined) return v;
  }
  return undefined;
}

interface GenAiSpan {
  readonly span: Json;
  readonly item: IngestItem;
}

/** The span as the OTel envelope reads it: its resource attached, tenant and user named as configured. */
function spanInput(span: Json, resource: unknown, mapping: TraceMapping): Json {
  const attributes = list(span.attributes);
  const resourceAttributes = isObject(resource) ? list(resource.attributes) : [];
  const named: unknown[] = [];
  const tenant = firstOf(mapping.tenantAttributes, attributes, resourceAttributes);
  if (tenant !== undefined) named.push({ key: 'tally.tenant', value: tenant });
  const user = firstOf(mapping.userAttributes, attributes, resourceAttributes);
  if (user !== undefined) named.push({ key: 'tally.user_id', value: user });
  return { ...span, attributes: named.length === 0 ? attributes : [...named, ...attributes], ...(isObject(resource) ? { resource } : {}) };
}

function describe(rejection: IngestRejection, spans: readonly GenAiSpan[]): string {
  const span = spans[rejection.index]?.span;
  const id = typeof span?.spanId === 'string' && span.spanId !== '' ? span.spanId : `#${rejection.index}`;
  return `span ${id}: ${rejection.message}`;
}

export function createTraceReceiver(options: TraceReceiverOptions): TraceReceiver {
  const mapping = options.mapping ?? DEFAULT_TRACE_MAPPING;
  const maxBatch = options.maxBatch ?? 10_000;
  return {
    async receive(request, principal): Promise<TraceExportResult> {
      const genAi: GenAiSpan[] = [];
      let ignored = 0;
      const body = isObject(request) ? request : {};
      for (const rs of list(body.resourceSpans)) {
        if (!isObject(rs)) continue;
        for (const ss of list(rs.scopeSpans)) {
          if (!isObject(ss)) continue;
          for (const span of list(ss.spans)) {
            if (!isObject(span) || !isGenAi(list(span.attributes))) {
              ignored++;
              continue;
            }
            genAi.push({ span, item: { index: genAi.length, input: spanInput(span, rs.resource, mapping) } });
          }
        }
      }
      const rejections: IngestRejection[] = [];
      let accepted = 0;
      for (let i = 0; i < genAi.length; i += maxBatch) {
        const result = await options.ingest.ingest(genAi.slice(i, i + maxBatch).map((s) => s.item), principal, 'http');
        accepted += result.accepted;
        rejections.push(...result.rejected);
      }
      const shown = rejections.slice(0, REASONS_SHOWN).map((r) => describe(r, genAi));
      if (rejections.length > REASONS_SHOWN) shown.push(`and ${rejections.length - REASONS_SHOWN} more`);
      const metrics = options.metrics?.otlpSpans;
      if (metrics) {
        if (accepted > 0) metrics.inc({ outcome: 'accepted' }, accepted);
        if (ignored > 0) metrics.inc({ outcome: 'ignored' }, ignored);
        if (rejections.length > 0) metrics.inc({ outcome: 'rejected' }, rejections.length);
      }
      return { accepted, ignored, rejected: rejections.length, errorMessage: shown.join('; ') };
    },
  };
}
