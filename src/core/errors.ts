/**
 * One error hierarchy for all of tally. Every error carries a stable `code`
 * from the catalog below, an HTTP status, and whether retrying can help.
 * `docs/errors.md` lists the same catalog; a test fails when the two drift.
 */

export interface ErrorSpec {
  /** HTTP status the API answers with. */
  readonly status: number;
  /** Whether the same operation may succeed if tried again later. */
  readonly retriable: boolean;
  /** One line for the docs. */
  readonly description: string;
}

export const ERROR_CATALOG = {
  VALIDATION_FAILED: { status: 400, retriable: false, description: 'Input failed validation; `details.errors` lists each field path and reason.' },
  INVALID_JSON: { status: 400, retriable: false, description: 'A body, line or file is not valid JSON.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false, description: 'The request body has a content type this route does not read; `details.accepted` lists the ones it does.' },
  URI_TOO_LONG: { status: 414, retriable: false, description: 'A path segment (an id or a name) is longer than any id tally accepts; `details.max_length` says how long one may be.' },
  EVENT_TOO_LARGE: { status: 413, retriable: false, description: 'An event exceeds the maximum encoded size.' },
  BATCH_TOO_LARGE: { status: 413, retriable: false, description: 'A batch has more events or bytes than allowed.' },
  USAGE_INVALID: { status: 400, retriable: false, description: 'A usage object has a negative, fractional or non-numeric count.' },
  UNKNOWN_MODEL: { status: 422, retriable: false, description: 'No price is known for the model; the event is stored unpriced.' },
  NO_PRICE_IN_FORCE: { status: 422, retriable: false, description: 'The model is known but no price was in force at occurred_at.' },
  PRICE_FILE_INVALID: { status: 400, retriable: false, description: 'A price file could not be read or has an invalid entry.' },
  MONEY_INVALID: { status: 400, retriable: false, description: 'A money or price value is not an exact decimal within range and precision.' },
  CONFIG_INVALID: { status: 500, retriable: false, description: 'Configuration failed validation at start.' },
  UNAUTHORIZED: { status: 401, retriable: false, description: 'No API key, or an unknown one.' },
  FORBIDDEN: { status: 403, retriable: false, description: 'The API key may not do this (role or tenant).' },
  HOST_NOT_ALLOWED: { status: 403, retriable: false, description: 'The request names a Host the server does not answer to (api.allowedHosts; a defence against DNS rebinding).' },
  CROSS_ORIGIN_REFUSED: { status: 403, retriable: false, description: 'The request comes from a web page of another origin (its Origin header), which tally does not serve.' },
  NOT_FOUND: { status: 404, retriable: false, description: 'The resource does not exist.' },
  CONFLICT: { status: 409, retriable: false, description: 'The resource already exists or changed concurrently.' },
  BUDGET_INVALID: { status: 400, retriable: false, description: 'A budget definition is invalid.' },
  BUDGET_NOT_FOUND: { status: 404, retriable: false, description: 'No budget has this id.' },
  PRICE_BOOK_INVALID: { status: 400, retriable: false, description: 'A price book is invalid.' },
  PRICE_BOOK_NOT_FOUND: { status: 404, retriable: false, description: 'The customer has no price book (or not the version asked for).' },
  WALLET_GRANT_INVALID: { status: 400, retriable: false, description: 'A wallet grant (prepaid credit) is invalid.' },
  WALLET_GRANT_NOT_FOUND: { status: 404, retriable: false, description: 'The customer\'s wallet has no grant with this id.' },
  QUOTA_EXCEEDED: { status: 429, retriable: true, description: 'A hard budget has no room for the request; retry after it resets.' },
  RESERVATION_NOT_FOUND: { status: 404, retriable: false, description: 'The reservation does not exist, was settled, or expired.' },
  LOG_UNAVAILABLE: { status: 503, retriable: true, description: 'The event log (Kafka) did not acknowledge.' },
  STORE_UNAVAILABLE: { status: 503, retriable: true, description: 'The analytics store (ClickHouse/chDB) is unreachable or failing.' },
  STORE_QUERY_FAILED: { status: 500, retriable: false, description: 'The analytics store rejected a query.' },
  COUNTERS_UNAVAILABLE: { status: 503, retriable: true, description: 'The counter store (Redis) is unreachable or failing.' },
  COUNTERS_EVICTION_POLICY: { status: 500, retriable: false, description: 'Redis may evict keys (its maxmemory-policy is not noeviction), which would lose counters silently; set noeviction, or redis.unsafeEvictionPolicy: warn to run anyway.' },
  MIGRATION_FAILED: { status: 500, retriable: false, description: 'A schema migration failed.' },
  STORE_NOT_MIGRATED: { status: 503, retriable: false, description: "The analytics store has no tally tables (or not all of them): run `tally migrate` with the same configuration." },
  DATA_DIR_IN_USE: { status: 500, retriable: false, description: 'Another process holds the embedded store in this data directory; stop it, or give this process its own --data-dir.' },
  PORT_IN_USE: { status: 500, retriable: false, description: 'The address and port to listen on are taken by another process; stop it, or choose another --port.' },
  WEBHOOK_FAILED: { status: 502, retriable: true, description: 'A webhook endpoint did not accept an alert.' },
  SHUTTING_DOWN: { status: 503, retriable: true, description: 'The process is stopping and takes no new work.' },
  INTERNAL: { status: 500, retriable: false, description: 'An unexpected internal error.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** A field-level problem: which field, and why. Paths use dots and [n], e.g. `usage.prompt_tokens` or `[3].model`. */
export interface FieldError {
  readonly path: string;
  readonly reason: string;
}

export interface TallyErrorOptions {
  readonly cause?: unknown;
  /** Structured context safe to log and to return to the caller. */
  readonly details?: Record<string, unknown>;
  /** Overrides the catalog's retriable flag for this instance. */
  readonly retriable?: boolean;
}

export class TallyError extends Error {
  override readonly name = 'TallyError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: TallyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec: ErrorSpec = ERROR_CATALOG[code];
    this.code = code;
    this.status = spec.status;
    this.retriable = options.retriable ?? spec.retriable;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** A validation failure carrying every field error at once. */
export function validationError(errors: readonly FieldError[], message?: string): TallyError {
  const first = errors[0];
  const text = message ?? (first ? `${first.path || '(root)'}: ${first.reason}` : 'invalid input');
  return new TallyError('VALIDATION_FAILED', text, { details: { errors } });
}

export function isTallyError(err: unknown): err is TallyError {
  return err instanceof TallyError;
}

/** Whether retrying the failed operation can help. Unknown errors are not retried. */
export function isRetriable(err: unknown): boolean {
  return err instanceof TallyError && err.retriable;
}

/** A short message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
