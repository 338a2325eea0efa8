/**
 * The usage event, v1 — the wire contract. This zod schema is the single
 * source: `schemas/usage-event.v1.json` is generated from it (`npm run schema`)
 * and a test fails when the two drift.
 *
 * Unknown top-level fields are not an error: `parseEvent` moves them into
 * `extra`, which is stored as JSON.
 */
import { z } from 'zod';
import { parseTimestamp, TIMESTAMP_RANGE_REASON } from './time.js';
import { RFC3339_PATTERN } from '../core/time.js';
import { DEFAULT_TENANT, EVENT_STATUSES } from '../core/dimensions.js';
import { costProblem, MAX_COST_USD } from './cost.js';
import { isWellFormed, isWellFormedTree, LONE_SURROGATE_REASON, malformedText } from './unicode.js';
import { passesWhen } from './zod-rules.js';

/** Bounds on one event. The API and the processor enforce the same numbers. */
export const EVENT_LIMITS = {
  /** Maximum encoded size of one event, in bytes. */
  maxEventBytes: 64 * 1024,
  /** Maximum number of metadata entries. */
  maxMetadataEntries: 64,
  /** Maximum length of a metadata key, in characters. */
  maxMetadataKeyLength: 128,
  /** Maximum length of a metadata value, in characters. */
  maxMetadataValueLength: 1024,
  /** Maximum length of an identity field (tenant, user_id, …). */
  maxIdLength: 256,
  /** Maximum length of event_id. */
  maxEventIdLength: 128,
  /**
   * Most `tool_calls`, `images`, `web_search_requests` (and requests) one event
   * may count. The store keeps them as UInt32 and sums them in 128 bits; one
   * event is one model call, so a million is far beyond any real one.
   */
  maxCount: 1_000_000,
  /**
   * Most tokens one event may count, all classes together (checked after
   * normalization, see src/pipeline/storable.ts): 1000 × the largest context
   * window offered today. Sums of any number of such events are exact in the
   * store (see docs/storage.md, "Sums").
   */
  maxTokens: 10_000_000_000,
  /** Most seconds of audio one event may bill (about 115 days). */
  maxAudioSeconds: 10_000_000,
  /** Longest `duration_ms` / `ttft_ms` (about 11.6 days). */
  maxDurationMs: 1_000_000_000,
  /** Largest `cost` (USD) one event may report, and the most one event may be priced at. */
  maxCostUsd: MAX_COST_USD,
} as const;

/** Non-negative decimal text, e.g. `"0.105"` or `"1.5e-7"`. */
export const DECIMAL_PATTERN = /^\d+(\.\d+)?([eE][+-]?\d+)?$/;
/** event_id: printable ASCII without spaces. */
export const EVENT_ID_PATTERN = /^[\x21-\x7e]+$/;

const timestamp = z
  .string()
  .regex(RFC3339_PATTERN, 'must be an RFC 3339 timestamp with a time zone, e.g. 2026-01-31T12:00:00Z')
  // A real instant in range, or not in the form at all (the regex above says so then): the read first, as it is
  // what passes, and cheaply, for the stamped form every event carries.
  .refine((s) => parseTimestamp(s) !== null || !RFC3339_PATTERN.test(s), TIMESTAMP_RANGE_REASON);

/** Text the store can hold: well-formed Unicode (no lone UTF-16 surrogate). */
const text = () => z.string().refine(isWellFormed, LONE_SURROGATE_REASON);
const bounded = (max: number) => text().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const identity = () => bounded(EVENT_LIMITS.maxIdLength);

const count = z.number().int('must be a whole number').nonnegative('must not be negative').max(EVENT_LIMITS.maxCount, `must be at most ${EVENT_LIMITS.maxCount}`);
const quantity = (max: number) => z.number().nonnegative('must not be negative').finite('must be a finite number').max(max, `must be at most ${max}`);
/** An object whose every key and string value, at any depth, is well-formed text. */
const wellFormedObject = () =>
  passesWhen(
    z.record(z.string(), z.unknown()).superRefine((o, ctx) => {
      const bad = malformedText(o);
      if (bad !== null) ctx.addIssue({ code: 'custom', message: bad.reason, path: [...bad.segments] });
    }),
    isWellFormedTree,
  );

/** Whether a plain object has at most `max` keys (counted, no key list built). */
function atMostKeys(o: Record<string, unknown>, max: number): boolean {
  let n = 0;
  for (const key in o) if (Object.hasOwn(o, key) && ++n > max) return false;
  return true;
}

export const usageEventV1 = z.object({
  event_id: bounded(EVENT_LIMITS.maxEventIdLength)
    .regex(EVENT_ID_PATTERN, 'must be printable ASCII without spaces')
    .optional()
    .describe('Idempotency key. The SDK and the ingest make a UUIDv7 when absent.'),
  occurred_at: timestamp.optional().describe('When the model call happened (RFC 3339). Defaults to received_at.'),
  received_at: timestamp.optional().describe('Stamped by the ingest; a producer need not set it.'),
  tenant: identity().default(DEFAULT_TENANT).describe('Account or organisation. Kafka key and budget hash tag.'),
  user_id: identity().optional().describe('End user the call was made for.'),
  group: identity().optional().describe('Team.'),
  session_id: identity().optional().describe('Chat or conversation.'),
  agent: identity().optional().describe('Agent or workflow that made the call.'),
  feature: identity().optional().describe('Product feature the call served.'),
  request_id: identity().optional().describe("The provider's response id (chatcmpl-…, msg_…)."),
  api_key_id: identity().optional().describe('Which provider key paid for the call (an id, never the key).'),
  provider: bounded(64).optional().describe('Whose prices apply: openai, azure, anthropic, gemini, vertex_ai, bedrock, …'),
  model: bounded(256).describe('The model id exactly as the provider reported it.'),
  usage: wellFormedObject()
    .describe("The provider's own usage object, untouched, or canonical counts ({input, cached_input, output, …})."),
  audio_seconds: quantity(EVENT_LIMITS.maxAudioSeconds).optional().describe('Seconds of audio billed per second (transcription, speech).'),
  tool_calls: count.optional().describe('Billable tool calls; overrides a count derived from usage.'),
  images: count.optional().describe('Generated images billed per image; overrides a count derived from usage.'),
  web_search_requests: count.optional().describe('Web searches billed per search; overrides a count derived from usage.'),
  batch: z.boolean().optional().describe('Sent through a batch API (discounted prices).'),
  service_tier: bounded(64).optional().describe('Provider service tier (OpenAI `flex`/`priority`, Anthropic `priority`, …).'),
  status: z.enum(EVENT_STATUSES).default('ok').describe('Outcome of the call.'),
  error_type: bounded(128).optional().describe('Provider or client error class when status is error.'),
  duration_ms: quantity(EVENT_LIMITS.maxDurationMs).optional().describe('Whole call latency in milliseconds.'),
  ttft_ms: quantity(EVENT_LIMITS.maxDurationMs).optional().describe('Time to first token in milliseconds.'),
  cost: passesWhen(
    z
      .union([z.string().regex(DECIMAL_PATTERN, 'must be a non-negative decimal, e.g. "0.0042"'), z.number().nonnegative('must not be negative').finite('must be a finite number')])
      .superRefine((v, ctx) => {
        const problem = costProblem(v);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      }),
    (v) => costProblem(v) === null,
  )
    .optional()
    .describe('Cost in USD already known to the caller or provider (OpenRouter reports one). At most 1000000000, with at most 15 decimal places (a femto-dollar).'),
  metadata: z
    .record(
      text().min(1, 'keys must not be empty').max(EVENT_LIMITS.maxMetadataKeyLength, `keys must be at most ${EVENT_LIMITS.maxMetadataKeyLength} characters`),
      text().max(EVENT_LIMITS.maxMetadataValueLength, `values must be at most ${EVENT_LIMITS.maxMetadataValueLength} characters`),
    )
    .refine((m) => atMostKeys(m, EVENT_LIMITS.maxMetadataEntries), `must have at most ${EVENT_LIMITS.maxMetadataEntries} entries`)
    .meta({ maxProperties: EVENT_LIMITS.maxMetadataEntries })
    .optional()
    .describe('Tags: a bounded string map.'),
  extra: wellFormedObject().optional().describe('Unknown top-level fields, kept as they came.'),
});

/** A v1 event as produced by the wire (optional fields absent, defaults applied). */
export type UsageEvent = z.output<typeof usageEventV1>;
/** A v1 event as a producer writes it. */
export type UsageEventInput = z.input<typeof usageEventV1>;

/** The field names of the v1 event; anything else at the top level goes to `extra`. */
export const EVENT_FIELDS: ReadonlySet<string> = new Set(Object.keys(usageEventV1.shape));
