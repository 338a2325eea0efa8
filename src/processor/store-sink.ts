/** The analytics store as the processor's idempotent sink. */
import type { AnalyticsStore } from '../store/types.js';
import type { EventStoreSink, StoreWriteResult } from './types.js';

export function createStoreSink(store: Pick<AnalyticsStore, 'events'>): EventStoreSink {
  return {
    async write(events): Promise<StoreWriteResult> {
      const result = await store.events.write(events);
      return { counted: [...result.inserted, ...result.redelivered], duplicates: result.duplicates, rejected: [] };
    },
  };
}
