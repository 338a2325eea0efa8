/** Budget change announcements over Redis pub/sub reach a subscriber (standalone and Cluster). */
import { expect, it } from 'vitest';
import { RedisChangeFeed } from '../../../src/budgets/redis-changes.js';
import { RedisCounterStore } from '../../../src/counters/redis/store.js';
import { forEachAdapter } from './adapters.js';

forEachAdapter('budget change feed', ({ name, make }) => {
  it('a publish reaches every subscriber', async () => {
    const store = await make();
    if (!(store instanceof RedisCounterStore)) {
      expect(name).toBe('memory');
      return;
    }
    const feed = new RedisChangeFeed(store.client, store.keys.prefix);
    let heard = 0;
    const stop = await feed.subscribe(() => {
      heard += 1;
    });
    await feed.publish();
    const t0 = Date.now();
    while (heard === 0 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 10));
    await stop();
    expect(heard).toBe(1);
  });
});
