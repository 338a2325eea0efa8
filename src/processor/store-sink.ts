/** The analytics store as the processor's idempotent sink. */
import { writeClassified } from '../store/positions.js';
import type { AnalyticsStore } from '../store/types.js';
import type { EventStoreSink, StoreWriteResult } from './types.js';

export function createStoreSink(store: AnalyticsStore): EventStoreSink {
  return {
    async write(events): Promise<StoreWriteResult> {
      const result = await writeClassified(store, events);
      return { counted: [...result.inserted, ...result.redelivered], duplicates: result.duplicates, rejected: [] };
    },
  };
}
