/**
 * tally's configuration: one zod schema, every option documented where it is
 * declared, with its default. Sources, later winning: built-in defaults, an
 * optional YAML/JSON file (`--config` or TALLY_CONFIG), environment variables
 * (see ENV_MAP in load.ts). Validated once at start; each mistake is reported
 * with its path and where the value came from.
 */
import { z } from 'zod';
import { API_ROLES } from '../core/principal.js';


const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();

export const apiKeySchema = z.object({
  /** A name for logs and metrics; never the secret. */
  id: z.string().min(1).max(64),
  /** The secret as presented by clients, or `sha256:<hex>` of it. */
  key: z.string().min(16, 'must be at least 16 characters'),
  /** The tenant this key may act for; `*` for every tenant (platform owner). */
  tenant: z.string().min(1),
  /** ingest: write events; read: analytics and quota checks; admin: everything, incl. budgets. */
  role: z.enum(API_ROLES),
});
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;

export const configSchema = z.object({
  /** pino level: fatal, error, warn, info, debug, trace, silent. Default info. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  kafka: z
    .object({
      /** Bootstrap brokers. Default 127.0.0.1:9092. Env KAFKA_BROKERS (comma-separated). */
      brokers: z.array(z.string().min(1)).min(1).default(['127.0.0.1:9092']),
      /** Client id reported to the brokers. Default tally. */
      clientId: z.string().min(1).default('tally'),
      /** TLS to the brokers. Default false. */
      ssl: z.boolean().default(false),
      /**
       * A produce (an HTTP ingest's 202, the SDK's Kafka transport, the DLQ) is
       * acknowledged or fails within this many ms; during an outage sends fail
       * at once between probes, and the API answers 503 with Retry-After.
       * Default 3000. Env TALLY_KAFKA_SEND_TIMEOUT_MS.
       */
      sendTimeoutMs: z.number().int().min(500).default(3_000),
      /**
       * kafkajs' idempotent producer. Off by default: tally drops duplicates by
       * event id, and kafkajs' idempotent producer can lose acknowledged records
       * after a partially failed request; when on, sends go one at a time and the
       * producer is replaced after any failure. Default false. Env TALLY_KAFKA_IDEMPOTENT.
       */
      idempotent: z.boolean().default(false),
      /** SASL authentication; absent for none. */
      sasl: z
        .object({
          mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
          username: z.string().min(1),
          password: z.string().min(1),
        })
        .optional(),
    })
    .prefault({}),

  topics: z
    .object({
      /** Raw usage events, keyed by tenant. Default usage.raw. */
      raw: z.string().min(1).default('usage.raw'),
      /** Dead letters: raw bytes + reason + source offset. Default usage.dlq. */
      dlq: z.string().min(1).default('usage.dlq'),
      /** Budget threshold crossings. Default usage.alerts. */
      alerts: z.string().min(1).default('usage.alerts'),
      /** Partitions of the raw topic when tally creates it. Default 12. */
      rawPartitions: positiveInt.default(12),
      /** Partitions of the DLQ and alerts topics when tally creates them. Default 3. */
      sidePartitions: positiveInt.default(3),
    })
    .prefault({}),

  clickhouse: z
    .object({
      /** ClickHouse HTTP URL. Unset: the embedded chDB store is used. Env CLICKHOUSE_URL. */
      url: z.url().optional(),
      /** Default default. Env CLICKHOUSE_USER. */
      username: z.string().default('default'),
      /** Default empty. Env CLICKHOUSE_PASSWORD. */
      password: z.string().default(''),
      /** Database holding tally's tables. Default tally. Env CLICKHOUSE_DATABASE. */
      database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('tally'),
      /** Cluster name: migrations use ON CLUSTER and Replicated engines. Default none. */
      cluster: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/).optional(),
      /**
       * The cluster has several shards and tally's tables are laid out for them
       * (`tally migrate --cluster NAME --shards`: Replicated `<table>_local`
       * tables under Distributed ones sharded by tenant). Inserts then wait until
       * every shard has stored its part (`distributed_foreground_insert`), so a
       * 202 still means stored. Needs `cluster`. Default false.
       */
      shards: z.boolean().default(false),
      /** Request timeout in ms. Default 30000. */
      requestTimeoutMs: positiveInt.default(30_000),
      /**
       * Raw events (and the 15-minute and hourly rollups) older than this many
       * months are dropped by TTL; the daily rollup keeps them. Events older than
       * that are refused at the edge (see `events`). At most 600 (50 years), so
       * that the TTL of every accepted event stays inside ClickHouse DateTime
       * (to 2106). Default 13.
       */
      retentionMonths: positiveInt.max(600).default(13),
      /**
       * Server settings of the embedded chDB engine (no `url`), by name, over
       * the bounds tally opens it with (src/store/chdb/engine.ts,
       * ENGINE_SERVER_SETTINGS: mark cache 64 MiB, primary-index cache 64 MiB,
       * index-mark cache 16 MiB, the other caches 16 MiB, where ClickHouse's
       * own defaults are up to 5 GiB each). Applied when the engine opens. Default
       * none. Env TALLY_CHDB_SERVER_SETTINGS (`name=value,…`).
       */
      embeddedServerSettings: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'must be a ClickHouse server setting name'), z.union([z.string(), z.number()])).default({}),
    })
    .prefault({}),

  events: z
    .object({
      /**
       * How far after tally received it an event's occurred_at (or a producer's
       * received_at) may lie, in hours: clock skew between producers and tally.
       * Later events are refused with an error naming the field. At most 8760
       * (a year). Default 24.
       */
      maxFutureHours: z.number().positive().max(8760).default(24),
      /**
       * The oldest occurred_at accepted, as an age in days at receipt. It can
       * only narrow what retention allows: events older than
       * `clickhouse.retentionMonths` (less one day) are always refused, since
       * the TTL would delete them at once. Default: unset (retention decides).
       */
      maxAgeDays: z.number().positive().optional(),
    })
    .prefault({}),

  // ── capture from anywhere (issue 15) ──
  otlp: z
    .object({
      /**
       * Attributes naming a GenAI span's tenant in `POST /v1/traces`, first
       * present wins; each is looked up on the span, then on its resource.
       * Without any of them the span's tenant is `tally.tenant`, else `tenant`,
       * else the API key's. Default ["tally.tenant"]. Env
       * TALLY_OTLP_TENANT_ATTRIBUTES (comma-separated).
       */
      tenantAttributes: z.array(z.string().min(1)).min(1).default(['tally.tenant']),
      /**
       * Attributes naming a GenAI span's user, first present wins, span before
       * resource (e.g. `traceloop.association.properties.user_id` for
       * OpenLLMetry). Default ["user.id", "enduser.id"]. Env
       * TALLY_OTLP_USER_ATTRIBUTES (comma-separated).
       */
      userAttributes: z.array(z.string().min(1)).min(1).default(['user.id', 'enduser.id']),
    })
    .prefault({}),

  cloudevents: z
    .object({
      /**
       * What a CloudEvent's `subject` names, in structured and binary mode,
       * when the event's data does not set that field itself: `user_id`
       * (default), `tenant` (OpenMeter producers put the billed customer in
       * `subject`), or `none` (kept in `extra.cloudevents.subject` only).
       */
      subject: z.enum(['user_id', 'tenant', 'none']).default('user_id'),
    })
    .prefault({}),

  /** Directory of the embedded chDB store (`tally start`). Default ./.tally. */
  dataDir: z.string().min(1).default('./.tally'),

  redis: z
    .object({
      /** Redis URL. Unset: counters live in memory (embedded mode only). Env REDIS_URL. */
      url: z.string().optional(),
      /** Redis Cluster seed nodes host:port; takes precedence over url. Env REDIS_CLUSTER_NODES. */
      clusterNodes: z.array(z.string().regex(/^[^:]+:\d+$/, 'must be host:port')).optional(),
      /** Prefix of every key tally writes. Default tally. */
      keyPrefix: z.string().min(1).default('tally'),

      // ── eviction check (issue 10) ──
      /**
       * When Redis may evict keys (a master's maxmemory-policy is not
       * noeviction), counters could vanish without a trace: `refuse` to start
       * (default), or `warn` — log an error and run. Every master of a Cluster
       * is checked when tally connects. Env TALLY_REDIS_UNSAFE_EVICTION.
       */
      unsafeEvictionPolicy: z.enum(['refuse', 'warn']).default('refuse'),
    })
    .prefault({}),

  api: z
    .object({
      /** Listen address. Default 0.0.0.0 for `tally api`; `tally start` without keys forces 127.0.0.1. */
      host: z.string().default('0.0.0.0'),
      /** Listen port. Default 8787. Env TALLY_PORT. */
      port: port.default(8787),
      /** Largest request body in bytes. Default 10 MiB. */
      bodyLimitBytes: positiveInt.default(10 * 1024 * 1024),
      /** Most events in one ingest request. Default 10000. */
      maxBatchEvents: positiveInt.default(10_000),
      /** API keys. Env TALLY_API_KEYS: `id:role:tenant:secret` entries, comma-separated. */
      keys: z.array(apiKeySchema).default([]),

      // ── web defences (issue 10) ──
      /**
       * Host names the server answers to, besides localhost, 127.0.0.1, [::1]
       * and `api.host` (when not 0.0.0.0). `.example.com` matches the domain
       * and its subdomains; `*` answers every name. A request naming another
       * Host, or sent from a web page of another origin, is refused (403) —
       * always without API keys (open access), and with keys when this list
       * is set. Default none. Env TALLY_ALLOWED_HOSTS (comma-separated).
       */
      allowedHosts: z.array(z.string().min(1).regex(/^(\*|\.?[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+)$/, 'must be a host name, an IP address, .domain or *')).default([]),
    })
    .prefault({}),

  processor: z
    .object({
      /** Consumer group id. Default tally-processor. */
      groupId: z.string().min(1).default('tally-processor'),
      /** Partitions processed at once by one process. Default 4. */
      partitionsConsumedConcurrently: positiveInt.default(4),
      /** Broker waits up to this long to fill a fetch (batching by time). Default 250. */
      maxWaitTimeMs: positiveInt.default(250),
      /** Broker returns a fetch once this many bytes are ready (batching by size). Default 64 KiB. */
      minBytes: positiveInt.default(64 * 1024),
      /** Most bytes fetched per partition per batch. Default 4 MiB. */
      maxBytesPerPartition: positiveInt.default(4 * 1024 * 1024),
      /** Most records written to the sinks in one step; in `tally start` also the most records of one batch of the in-process log. Default 5000. */
      maxSinkBatch: positiveInt.default(5000),
      /**
       * Most new events in one store insert that carries several batches:
       * batches written while an insert is in flight go in the next one
       * together (processor/group-insert.ts; a store insert costs a fixed
       * amount whatever its size). A batch larger than this still goes alone,
       * whole; 1 inserts every batch on its own. Default 20000.
       */
      maxInsertEvents: positiveInt.default(20_000),
      /**
       * How far V8 may let the heap grow past what the last full collection
       * kept, in percent (V8's --heap-growing-percent, set when `tally
       * processor` or `tally start` starts): without it V8 lets garbage grow to
       * ~4× the live heap when the machine has memory to spare. 0 leaves V8's
       * own heuristics; a --heap-growing-percent in NODE_OPTIONS wins. Default
       * 50 (measured: README "Capacity", docs/operations.md). Env TALLY_HEAP_GROWTH_PERCENT.
       */
      heapGrowthPercent: z.number().int().min(0).max(1000).default(50),
      /**
       * How long the processor remembers event ids to recognise a duplicate
       * send without asking the store (docs/storage.md, "Dedupe"); 16–32
       * bytes of memory per event processed within it. A duplicate sent later
       * than this is stored again and collapses in usage_events only. Default
       * 600 (10 minutes).
       */
      dedupWindowSeconds: positiveInt.default(600),
      /**
       * Consumer-group session timeout: a member silent this long is replaced.
       * A consumer that crashed rejoins only after its old member expired, so
       * keep it short; at least the broker's group.min.session.timeout.ms (6 s by
       * default). Default 10000.
       */
      sessionTimeoutMs: z.number().int().min(1000).default(10_000),
      /** Heartbeat interval; at most a third of the session timeout. Default 1000. */
      heartbeatIntervalMs: positiveInt.default(1_000),
      /** Port of /healthz, /readyz, /metrics for `tally processor`. Default 8788. */
      healthPort: port.default(8788),
    })
    .prefault({}),

  pricing: z
    .object({
      /** Extra price files (tally or LiteLLM format), later files win. */
      priceFiles: z.array(z.string().min(1)).default([]),
      /** Azure deployment name → model id, e.g. { "prod-gpt4o": "gpt-4o" }. */
      azureDeployments: z.record(z.string(), z.string()).default({}),
      /** When a caller-reported cost wins: fallback (only if unpriced), prefer, ignore. Default fallback. */
      reportedCost: z.enum(['fallback', 'prefer', 'ignore']).default('fallback'),
      /**
       * How a batch request's cached input tokens are billed when the price lists no batch cache price,
       * per provider: `stack` (the batch discount applies to the cache-read price), `batch_input` (at the
       * batch input price) or `standard_cached` (at the standard cache-read price). Default `{}`: `stack`
       * everywhere (docs/pricing.md, "Rules where the sources disagree").
       */
      batchCache: z.record(z.string(), z.enum(['stack', 'batch_input', 'standard_cached'])).default({}),
      /**
       * Providers whose LiteLLM `_above_<N>k_tokens` thresholds are inclusive (a prompt of exactly N×1000
       * tokens pays the higher price). Default `["xai"]`, as LiteLLM reads them; `[]` reads all as "above".
       */
      litellmInclusiveThresholds: z.array(z.string().min(1)).default(['xai']),
    })
    .prefault({}),

  budgets: z
    .object({
      /** Window in which a re-sent event_id is ignored by the counters, in hours. Default 24. */
      dedupWindowHours: z.number().min(0).default(24),
      /** Percentage at which a budget reports `approaching`. Default 80. */
      approachingPercent: z.number().min(0).max(100).default(80),
      /** Seconds an unsettled reservation holds its estimate. Default 300. */
      reservationTtlSeconds: positiveInt.default(300),
      /**
       * What quota checks, reservations and statuses answer while the counters
       * they read were lost (Redis flushed or restarted empty) and are being
       * rebuilt from the analytics store: `store` waits for the rebuild (the
       * store's totals) up to outageWaitMs, then 503; `closed` answers 503 with
       * Retry-After at once; `open` answers from the counters as they are (the
       * spend since the loss). Default store. Env TALLY_OUTAGE_POLICY.
       * Also the default of budgets without their own `outage_policy` while
       * Redis is unreachable: `open` reads as fail_open, `store` and `closed`
       * as fail_closed (503 with Retry-After); see budgets/outage.ts.
       */
      outagePolicy: z.enum(['store', 'closed', 'open']).default('store'),
      /** With outagePolicy `store`: how long a check waits for the rebuild before answering 503, ms. Default 5000. */
      outageWaitMs: positiveInt.default(5_000),
      /**
       * Budget leases in the API's quota checks and reservations (docs/budgets.md
       * "Leases"): a subject far from its limits is answered in memory from a
       * slice of its headroom held in Redis, renewed in the background; `used`
       * in such answers may be up to `refreshMs` (plus the processor's lag)
       * old, a crashed process hides its slices for at most `ttlMs`, and no
       * budget can overshoot. A reservation granted from a lease may be settled
       * through any API process. Off by default: answers stay read at the
       * moment of the call. Env TALLY_BUDGET_LEASES (enabled).
       */
      leases: z
        .object({
          /** Answer checks and reservations from leases. Default false. */
          enabled: z.boolean().default(false),
          /** How long a lease holds its slice without renewal, ms (a crashed process hides it at most this long). Default 10000. */
          ttlMs: positiveInt.default(10_000),
          /** How often leases are looked at and renewed when due, ms. Default 1000. */
          renewMs: positiveInt.default(1_000),
          /** A lease in use is renewed at least this often: how old `used` in an answer may be, ms. Default 5000. */
          refreshMs: positiveInt.default(5_000),
          /** A lease is held only while every hard budget's room is at least this many times its size (nearer the limit: one round trip per call). Default 8. */
          headroomFactor: positiveInt.default(8),
        })
        .prefault({}),
      /** How often each process looks for a lost counter store (missing epoch markers), ms; 0: only when a call finds one. Default 5000. */
      epochProbeMs: z.number().int().min(0).default(5_000),
      /**
       * Budgets created at start when missing (same shape as POST /v1/budgets,
       * validated when seeded). Scopes use the event's names (`user_id`,
       * `api_key_id`); the legacy `user` and `api_key` are read until 0.3, with
       * a warning logged once per budget.
       */
      defaults: z.array(z.record(z.string(), z.unknown())).default([]),
      /** Tier templates by name (same shape as the tiers API; legacy scope names as for `defaults`). */
      tiers: z.record(z.string(), z.unknown()).default({}),
      /** Alert webhooks: each POST is signed with HMAC-SHA256 of the body using `secret`. */
      webhooks: z.array(z.object({ url: z.url(), secret: z.string().min(16) })).default([]),
      /**
       * Customers' wallets as budgets (issue 16, docs/billing.md "Enforcement"):
       * every customer with a grant gets a `price` budget whose limit is its
       * balance, kept by the API process (and `tally start`).
       */
      wallets: z
        .object({
          /** `hard`: an empty wallet refuses checks and reservations; `soft`: it only reports and alerts; `off`: no wallet budgets. Env TALLY_WALLET_ENFORCEMENT. Default hard. */
          enforcement: z.enum(['hard', 'soft', 'off']).default('hard'),
          /** Low-balance alert amounts (USD text) for wallets that set none of their own (`budget.remaining_below`). Default none. */
          alertBelow: z.array(z.string()).max(10).default([]),
          /** How often the grants' change marker is looked at, ms (another process's grant write is seen within this). Default 1000. */
          pollMs: positiveInt.default(1_000),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type TallyConfig = z.output<typeof configSchema>;
export type TallyConfigInput = z.input<typeof configSchema>;
