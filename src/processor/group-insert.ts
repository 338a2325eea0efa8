/**
 * Group commit of the processor's inserts. A store insert costs a fixed
 * amount whatever its size — in chDB ~150 ms of CPU for one row or a thousand
 * (each of the twelve rollup views writes a part of its own; docs/storage.md
 * "Group commit") — so the inserts of several partitions' batches are far
 * cheaper as one.
 *
 * A batch `enter`s when its write begins and, after its own reads (the high
 * offset, the lookups), either inserts its new events — with the log
 * positions they were read up to, which the insert records before the events,
 * all of the group's in one write — or `leave`s. An insert
 * starts when none is in flight and every batch that entered has asked to
 * insert or has left — or `lingerMs` after the oldest waiting batch asked,
 * whichever comes first — and carries every waiting batch (up to
 * `maxEvents`). A lone batch therefore starts at once; batches handed over
 * together (one fetch's partitions) go together, even when the store runs one
 * statement at a time and their reads wait behind an insert.
 *
 * Each batch's promise settles with the insert that carried its events; when
 * that insert fails, every batch it carried gets the error and retries as it
 * always did — through the recorded high offsets, which send every event of
 * the failed insert to the exact lookup (windowed-store-sink.ts), so rows that
 * did land are found and not written twice.
 */
import type { PricedEvent, SourcePosition } from '../pipeline/types.js';

interface Waiting {
  readonly events: readonly PricedEvent[];
  readonly positions: readonly SourcePosition[];
  readonly since: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export interface GroupInsertOptions {
  /** Most events in one insert that carries several batches (a larger batch still goes alone, whole). */
  readonly maxEvents: number;
  /** Longest a batch that asked to insert waits for others that entered before it (ms). */
  readonly lingerMs: number;
  /** Called after each insert with how many batches and events it carried. */
  readonly onInsert?: (group: { readonly batches: number; readonly events: number }) => void;
}

/** Writes one group: the log positions its events were read up to, then the events. */
export type InsertEvents = (events: readonly PricedEvent[], positions: readonly SourcePosition[]) => Promise<void>;

/** One batch's place in the group: insert its new events once, or leave without. */
export interface GroupTicket {
  /** Inserts `events` in the next group, after recording `positions` (the partitions' new high offsets) with the group's. */
  insert(events: readonly PricedEvent[], positions: readonly SourcePosition[]): Promise<void>;
  /** Idempotent; a no-op after `insert`. */
  leave(): void;
}

export interface InsertGroup {
  enter(): GroupTicket;
}

export function groupInserts(insert: InsertEvents, options: GroupInsertOptions): InsertGroup {
  const waiting: Waiting[] = [];
  /** Batches that entered and have neither asked to insert nor left. */
  let coming = 0;
  let running = false;
  let timer: NodeJS.Timeout | null = null;

  /** The batches of the next insert: the first always, then as many as fit. */
  function take(): Waiting[] {
    const group: Waiting[] = [];
    let n = 0;
    while (waiting.length > 0) {
      const next = waiting[0] as Waiting;
      if (group.length > 0 && n + next.events.length > options.maxEvents) break;
      group.push(next);
      n += next.events.length;
      waiting.shift();
    }
    return group;
  }

  /** Starts the next insert if it is time: nothing in flight, someone waiting, and no one else coming (or the linger is over). */
  function consider(): void {
    if (running || waiting.length === 0) return;
    const waited = Date.now() - (waiting[0] as Waiting).since;
    if (coming > 0 && waited < options.lingerMs) {
      if (timer === null) {
        timer = setTimeout(() => {
          timer = null;
          consider();
        }, options.lingerMs - waited);
      }
      return;
    }
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    void run(take());
  }

  async function run(group: Waiting[]): Promise<void> {
    running = true;
    const events = group.length === 1 ? (group[0] as Waiting).events : group.flatMap((w) => w.events);
    const positions = group.length === 1 ? (group[0] as Waiting).positions : group.flatMap((w) => w.positions);
    try {
      await insert(events, positions);
      options.onInsert?.({ batches: group.length, events: events.length });
      for (const w of group) w.resolve();
    } catch (err) {
      for (const w of group) w.reject(err);
    } finally {
      running = false;
      consider();
    }
  }

  return {
    enter(): GroupTicket {
      coming++;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        coming--;
      };
      return {
        insert(events, positions) {
          if (done) return Promise.reject(new Error('unreachable: a group ticket inserts once'));
          finish();
          return new Promise<void>((resolve, reject) => {
            waiting.push({ events, positions, since: Date.now(), resolve, reject });
            consider();
          });
        },
        leave() {
          if (done) return;
          finish();
          consider();
        },
      };
    },
  };
}
