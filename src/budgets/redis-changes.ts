/**
 * Budget change announcements over Redis pub/sub: the repository publishes
 * after every write, and each process's budget source reloads at once instead
 * of waiting for its next version poll (which stays as the fallback: pub/sub
 * messages are not delivered to a process that is disconnected).
 */
import type { ChangePublisher } from './repository.js';
import type { ChangeFeed } from './source.js';
import { unavailable } from '../counters/codes.js';
import type { RedisClient } from '../counters/redis/store.js';

export class RedisChangeFeed implements ChangeFeed, ChangePublisher {
  readonly channel: string;

  constructor(private readonly client: RedisClient, prefix: string) {
    this.channel = `${prefix}budgets.changed`;
  }

  async publish(): Promise<void> {
    try {
      await this.client.publish(this.channel, String(Date.now()));
    } catch (err) {
      throw unavailable(err, 'publish');
    }
  }

  async subscribe(listener: () => void): Promise<() => Promise<void>> {
    const sub = this.client.duplicate();
    sub.on('message', (channel: string) => {
      if (channel === this.channel) listener();
    });
    sub.on('error', () => undefined);
    await sub.subscribe(this.channel);
    // Messages published while the subscriber was reconnecting are lost: after a reconnect, reload once.
    sub.on('ready', () => listener());
    return async () => {
      await sub.quit().catch(() => undefined);
    };
  }
}
