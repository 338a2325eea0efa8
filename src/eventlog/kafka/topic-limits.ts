/**
 * What the producer's size pre-check needs to know of a topic: its partition
 * count (to group messages the way the default partitioner will) and its
 * `max.message.bytes` (the largest record batch the broker accepts for one
 * partition). Read once per topic through an admin client, kept for
 * `refreshMs` (then re-read in the background while the old answer serves),
 * and re-read at once after the broker refused a batch as too large.
 */
import kafkajs, { type Admin } from 'kafkajs';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

// kafkajs is CommonJS; Node's ESM loader does not see this export by name (vitest does).
const { ConfigResourceTypes } = kafkajs;

/** The broker's default `message.max.bytes`: used when the topic's config cannot be read. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

export interface TopicLimits {
  readonly partitions: number;
  readonly maxMessageBytes: number;
}

interface Entry {
  readonly limits: TopicLimits;
  readonly at: number;
}

export class TopicLimitsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<TopicLimits>>();
  private warnedConfig = false;

  constructor(
    private readonly admin: () => Promise<Admin>,
    private readonly log: Logger,
    private readonly refreshMs = 60_000,
  ) {}

  /** The topic's limits: cached, or read now (the first time, or after `invalidate`). */
  async get(topic: string): Promise<TopicLimits> {
    const entry = this.entries.get(topic);
    if (entry) {
      if (Date.now() - entry.at > this.refreshMs) this.load(topic).catch(() => undefined);
      return entry.limits;
    }
    return this.load(topic);
  }

  /** Forgets a topic's limits: the next `get` reads them again. */
  invalidate(topic: string): void {
    this.entries.delete(topic);
  }

  private load(topic: string): Promise<TopicLimits> {
    let pending = this.loading.get(topic);
    if (!pending) {
      pending = this.read(topic)
        .then((limits) => {
          this.entries.set(topic, { limits, at: Date.now() });
          return limits;
        })
        .finally(() => this.loading.delete(topic));
      this.loading.set(topic, pending);
    }
    return pending;
  }

  private async read(topic: string): Promise<TopicLimits> {
    const admin = await this.admin();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    let maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
      });
      const value = Number(resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
      if (Number.isSafeInteger(value) && value > 0) maxMessageBytes = value;
    } catch (err) {
      // Only a refusal to show the config (ACLs) falls back; an outage fails the lookup.
      if (!/AUTHORIZATION/.test(String((err as { type?: unknown }).type))) throw err;
      if (!this.warnedConfig) {
        this.warnedConfig = true;
        this.log.warn({ topic, err: errorMessage(err), assumed: DEFAULT_MAX_MESSAGE_BYTES }, "cannot read the topic's max.message.bytes; assuming the broker default");
      }
    }
    return { partitions, maxMessageBytes };
  }
}
