/**
 * The usage event, v1 — the wire contract. This zod schema is the single
 * source: `schemas/usage-event.v1.json` is generated from it (`npm run schema`)
 * and a test fails when the two drift.
 *
 * Unknown top-level fields are not an error: `parseEvent` moves them into
 * `extra`, which is stored as JSON.
 */
import { z } from 'zod';

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
} as const;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^\d+(\.\d+)?([eE][+-]?\d+)?$/;

const timestamp = z
  .string()
  .regex(RFC3339, 'must be an RFC 3339 timestamp with a time zone, e.g. 2026-01-31T12:00:00Z')
  .refine((s) => !Number.isNaN(Date.parse(s.replace(' ', 'T'))), 'is not a real date and time');

const identity = (what: string) =>
  z.string().min(1, `${what} must not be empty`).max(EVENT_LIMITS.maxIdLength, `${what} must be at most ${EVENT_LIMITS.maxIdLength} characters`);

const count = z.number().int('must be a whole number').nonnegative('must not be negative');
const quantity = z.number().nonnegative('must not be negative').finite();

export const EVENT_STATUSES = ['ok', 'error', 'cancelled'] as const;

export const usageEventV1 = z.object({
  event_id: z
    .string()
    .min(1)
    .max(EVENT_LIMITS.maxEventIdLength)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional()
    .describe('Idempotency key. The SDK and the ingest make a UUIDv7 when absent.'),
  occurred_at: timestamp.optional().describe('When the model call happened (RFC 3339). Defaults to received_at.'),
  received_at: timestamp.optional().describe('Stamped by the ingest; a producer need not set it.'),
  tenant: identity('tenant').default('default').describe('Account or organisation. Kafka key and budget hash tag.'),
  user_id: identity('user_id').optional(),
  group: identity('group').optional().describe('Team.'),
  session_id: identity('session_id').optional().describe('Chat or conversation.'),
  agent: identity('agent').optional(),
  feature: identity('feature').optional(),
  request_id: identity('request_id').optional(),
  api_key_id: identity('api_key_id').optional(),
  provider: z.string().min(1).max(64).optional().describe('Whose prices apply: openai, azure, anthropic, gemini, vertex_ai, bedrock, …'),
  model: z.string().min(1, 'model must not be empty').max(256).describe('The model id exactly as the provider reported it.'),
  usage: z
    .record(z.string(), z.unknown())
    .describe("The provider's own usage object, untouched, or canonical counts ({input, cached_input, output, …})."),
  audio_seconds: quantity.optional(),
  tool_calls: count.optional(),
  images: count.optional(),
  web_search_requests: count.optional(),
  batch: z.boolean().optional().describe('Sent through a batch API (discounted prices).'),
  service_tier: z.string().min(1).max(64).optional(),
  status: z.enum(EVENT_STATUSES).default('ok'),
  error_type: z.string().min(1).max(128).optional().describe('Provider or client error class when status is error.'),
  duration_ms: quantity.optional().describe('Whole call latency in milliseconds.'),
  ttft_ms: quantity.optional().describe('Time to first token in milliseconds.'),
  cost: z
    .union([z.string().regex(DECIMAL, 'must be a non-negative decimal'), z.number().nonnegative().finite()])
    .optional()
    .describe('Cost in USD already known to the caller or provider (OpenRouter reports one).'),
  metadata: z
    .record(
      z.string().min(1).max(EVENT_LIMITS.maxMetadataKeyLength, `keys must be at most ${EVENT_LIMITS.maxMetadataKeyLength} characters`),
      z.string().max(EVENT_LIMITS.maxMetadataValueLength, `values must be at most ${EVENT_LIMITS.maxMetadataValueLength} characters`),
    )
    .refine((m) => Object.keys(m).length <= EVENT_LIMITS.maxMetadataEntries, `at most ${EVENT_LIMITS.maxMetadataEntries} entries`)
    .optional()
    .describe('Tags: a bounded string map.'),
  extra: z.record(z.string(), z.unknown()).optional().describe('Unknown top-level fields, kept as they came.'),
});

/** A v1 event as produced by the wire (optional fields absent, defaults applied). */
export type UsageEvent = z.output<typeof usageEventV1>;
/** A v1 event as a producer writes it. */
export type UsageEventInput = z.input<typeof usageEventV1>;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** The field names of the v1 event; anything else at the top level goes to `extra`. */
export const EVENT_FIELDS: ReadonlySet<string> = new Set(Object.keys(usageEventV1.shape));
