/**
 * Loads the configuration: defaults ← optional file ← environment. Every
 * mistake is reported at once, each with its path and its source.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { TallyError, type FieldError } from '../core/errors.js';
import { configSchema, type TallyConfig } from './schema.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

interface EnvBinding {
  readonly path: readonly string[];
  readonly parse: (raw: string) => Json;
}

const text = (raw: string): Json => raw;
const int = (raw: string): Json => (/^-?\d+$/.test(raw.trim()) ? Number(raw) : raw);
const num = (raw: string): Json => (raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw);
const bool = (raw: string): Json => (/^(1|true|yes|on)$/i.test(raw) ? true : /^(0|false|no|off)$/i.test(raw) ? false : raw);
const list = (raw: string): Json => raw.split(',').map((s) => s.trim()).filter(Boolean);
/** `name=value,…` → an object of settings (numbers where numeric); an entry without `=` is left as text for the schema to refuse. */
const settings = (raw: string): Json => {
  const out: JsonObject = {};
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0) return raw;
    const value = entry.slice(at + 1).trim();
    out[entry.slice(0, at).trim()] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return out;
};

/** `id:role:tenant:secret,…` → API key objects. The secret may itself contain ':'. */
function apiKeys(raw: string): Json {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id = '', role = '', tenant = '', ...secret] = entry.split(':');
      return { id, role, tenant, key: secret.join(':') };
    });
}

/** Environment variables and where they go. */
export const ENV_MAP: Readonly<Record<string, EnvBinding>> = {
  LOG_LEVEL: { path: ['logLevel'], parse: text },
  KAFKA_BROKERS: { path: ['kafka', 'brokers'], parse: list },
  KAFKA_CLIENT_ID: { path: ['kafka', 'clientId'], parse: text },
  KAFKA_SSL: { path: ['kafka', 'ssl'], parse: bool },
  TALLY_KAFKA_SEND_TIMEOUT_MS: { path: ['kafka', 'sendTimeoutMs'], parse: int },
  TALLY_KAFKA_IDEMPOTENT: { path: ['kafka', 'idempotent'], parse: bool },
  TALLY_TOPIC_RAW: { path: ['topics', 'raw'], parse: text },
  TALLY_TOPIC_DLQ: { path: ['topics', 'dlq'], parse: text },
  TALLY_TOPIC_ALERTS: { path: ['topics', 'alerts'], parse: text },
  CLICKHOUSE_URL: { path: ['clickhouse', 'url'], parse: text },
  CLICKHOUSE_USER: { path: ['clickhouse', 'username'], parse: text },
  CLICKHOUSE_PASSWORD: { path: ['clickhouse', 'password'], parse: text },
  CLICKHOUSE_DATABASE: { path: ['clickhouse', 'database'], parse: text },
  CLICKHOUSE_CLUSTER: { path: ['clickhouse', 'cluster'], parse: text },
  CLICKHOUSE_SHARDS: { path: ['clickhouse', 'shards'], parse: bool },
  TALLY_RETENTION_MONTHS: { path: ['clickhouse', 'retentionMonths'], parse: int },
  TALLY_MAX_FUTURE_HOURS: { path: ['events', 'maxFutureHours'], parse: num },
  TALLY_MAX_AGE_DAYS: { path: ['events', 'maxAgeDays'], parse: num },
  TALLY_DATA_DIR: { path: ['dataDir'], parse: text },
  REDIS_URL: { path: ['redis', 'url'], parse: text },
  REDIS_CLUSTER_NODES: { path: ['redis', 'clusterNodes'], parse: list },
  TALLY_REDIS_PREFIX: { path: ['redis', 'keyPrefix'], parse: text },
  TALLY_REDIS_UNSAFE_EVICTION: { path: ['redis', 'unsafeEvictionPolicy'], parse: text },
  TALLY_HOST: { path: ['api', 'host'], parse: text },
  TALLY_PORT: { path: ['api', 'port'], parse: int },
  TALLY_API_KEYS: { path: ['api', 'keys'], parse: apiKeys },
  TALLY_ALLOWED_HOSTS: { path: ['api', 'allowedHosts'], parse: list },
  TALLY_OTLP_TENANT_ATTRIBUTES: { path: ['otlp', 'tenantAttributes'], parse: list },
  TALLY_OTLP_USER_ATTRIBUTES: { path: ['otlp', 'userAttributes'], parse: list },
  TALLY_CLOUDEVENTS_SUBJECT: { path: ['cloudevents', 'subject'], parse: text },
  TALLY_GROUP_ID: { path: ['processor', 'groupId'], parse: text },
  TALLY_HEALTH_PORT: { path: ['processor', 'healthPort'], parse: int },
  TALLY_SESSION_TIMEOUT_MS: { path: ['processor', 'sessionTimeoutMs'], parse: int },
  TALLY_HEARTBEAT_INTERVAL_MS: { path: ['processor', 'heartbeatIntervalMs'], parse: int },
  TALLY_PROCESSOR_DEDUP_WINDOW_SECONDS: { path: ['processor', 'dedupWindowSeconds'], parse: int },
  TALLY_HEAP_GROWTH_PERCENT: { path: ['processor', 'heapGrowthPercent'], parse: int },
  TALLY_CHDB_SERVER_SETTINGS: { path: ['clickhouse', 'embeddedServerSettings'], parse: settings },
  TALLY_PRICE_FILES: { path: ['pricing', 'priceFiles'], parse: list },
  TALLY_REPORTED_COST: { path: ['pricing', 'reportedCost'], parse: text },
  TALLY_DEDUP_WINDOW_HOURS: { path: ['budgets', 'dedupWindowHours'], parse: num },
  TALLY_OUTAGE_POLICY: { path: ['budgets', 'outagePolicy'], parse: text },
  TALLY_WALLET_ENFORCEMENT: { path: ['budgets', 'wallets', 'enforcement'], parse: text },
  TALLY_BUDGET_LEASES: { path: ['budgets', 'leases', 'enabled'], parse: bool },
};

export interface LoadOptions {
  /** Path of a YAML or JSON config file. Default: TALLY_CONFIG, else none. */
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Values from command-line flags; they win over everything. */
  readonly overrides?: JsonObject;
}

function setPath(target: JsonObject, path: readonly string[], value: Json): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as JsonObject;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function merge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && b !== null && typeof b === 'object' && !Array.isArray(b)
        ? merge(b, v)
        : v;
  }
  return out;
}

function readFile(file: string): JsonObject {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TallyError('CONFIG_INVALID', `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(raw);
  } catch (err) {
    throw new TallyError('CONFIG_INVALID', `config file ${file} is not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TallyError('CONFIG_INVALID', `config file ${file} must hold an object at the top level`);
  }
  return parsed as JsonObject;
}

export function loadConfig(options: LoadOptions = {}): TallyConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.TALLY_CONFIG;
  const origins = new Map<string, string>();
  let input: JsonObject = {};
  if (file) input = readFile(file);

  const fromEnv: JsonObject = {};
  for (const [name, binding] of Object.entries(ENV_MAP)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(fromEnv, binding.path, binding.parse(raw));
    origins.set(binding.path.join('.'), `env ${name}`);
  }
  input = merge(merge(input, fromEnv), options.overrides ?? {});

  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const origin = [...origins.entries()].find(([p]) => path === p || path.startsWith(`${p}.`))?.[1] ?? (file ? `file ${file}` : 'defaults');
    return { path, reason: `${issue.message} (from ${origin})` };
  });
  const lines = errors.map((e) => `  ${e.path}: ${e.reason}`).join('\n');
  throw new TallyError('CONFIG_INVALID', `configuration is invalid:\n${lines}`, { details: { errors } });
}
