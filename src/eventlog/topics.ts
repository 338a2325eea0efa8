/**
 * tally's topics: their names and the partition counts and configs they are
 * created with when missing (`EventLog.ensureTopics`). Existing topics are
 * never altered.
 *
 * Names are the defaults below, optionally with a prefix (`prefix: 'prod.'`
 * gives `prod.usage.raw`), or set one by one; a name set explicitly is used as
 * given, without the prefix.
 */
import { TallyError } from '../core/errors.js';
import type { TopicSpec } from './types.js';

/** One topic's settings; every field optional. */
export interface TopicOptions {
  /** Full topic name. Default: `prefix` + the default name (`usage.raw`, `usage.dlq`, `usage.alerts`). */
  readonly name?: string;
  /** Partitions when the topic is created. Default: raw 12, dlq 3, alerts 3. Ignored for an existing topic. */
  readonly partitions?: number;
  /** Replication factor when created. Default: the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  /** Topic configs when created, merged over the defaults (dlq: `retention.ms` = 30 days). */
  readonly config?: Readonly<Record<string, string>>;
}

export interface TopicsConfig {
  /** Prepended to every default name, e.g. `prod.`. Default `''`. */
  readonly prefix?: string;
  /** Raw usage events, keyed by tenant. The processor's input. */
  readonly raw?: TopicOptions;
  /** Dead letters: records the processor could not parse or validate, with the reason. */
  readonly dlq?: TopicOptions;
  /** Budget threshold crossings. */
  readonly alerts?: TopicOptions;
}

/** The resolved topics, each a spec `ensureTopics` accepts. */
export interface Topics {
  readonly raw: TopicSpec;
  readonly dlq: TopicSpec;
  readonly alerts: TopicSpec;
}

export type TopicRole = keyof Topics;

const THIRTY_DAYS_MS = String(30 * 24 * 60 * 60 * 1000);

/** The defaults: names, partition counts and configs. */
export const TOPIC_DEFAULTS: { readonly [R in TopicRole]: TopicSpec } = {
  // 12 partitions: divisible by 1, 2, 3, 4 and 6 processor instances, so each gets an equal share.
  raw: { name: 'usage.raw', partitions: 12 },
  // Dead letters are rare and are kept for a month, long enough to fix and replay them.
  dlq: { name: 'usage.dlq', partitions: 3, config: { 'retention.ms': THIRTY_DAYS_MS } },
  alerts: { name: 'usage.alerts', partitions: 3 },
};

export const TOPIC_ROLES: readonly TopicRole[] = ['raw', 'dlq', 'alerts'];

/** Applies a config over the defaults. */
export function resolveTopics(config: TopicsConfig = {}): Topics {
  const prefix = config.prefix ?? '';
  const one = (role: TopicRole): TopicSpec => {
    const base = TOPIC_DEFAULTS[role];
    const own = config[role] ?? {};
    const partitions = own.partitions ?? base.partitions;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new TallyError('CONFIG_INVALID', `topics.${role}.partitions must be a whole number of at least 1, got ${partitions}`, {
        details: { errors: [{ path: `topics.${role}.partitions`, reason: 'must be a whole number of at least 1' }] },
      });
    }
    const spec: TopicSpec = {
      name: own.name ?? `${prefix}${base.name}`,
      partitions,
      config: { ...(base.config ?? {}), ...(own.config ?? {}) },
      ...(own.replicationFactor === undefined ? {} : { replicationFactor: own.replicationFactor }),
    };
    return spec;
  };
  return { raw: one('raw'), dlq: one('dlq'), alerts: one('alerts') };
}

/** The three specs in a list, for `ensureTopics`. */
export function topicSpecs(topics: Topics): TopicSpec[] {
  return TOPIC_ROLES.map((role) => topics[role]);
}
