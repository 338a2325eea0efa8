/**
 * Send tickets of the direct log: a `send` resolves when every consumer group
 * it waits for committed past its records in every partition it wrote to, and
 * rejects with the handler's error the first time a batch holding its records
 * fails (the records stay in the log and are delivered again).
 */

/** The groups a ticket waits for in one partition: named groups, or the first group to commit. */
type Awaited = Set<string> | 'any';

interface Entry {
  readonly first: bigint;
  readonly last: bigint;
  awaited: Awaited;
}

export class SendTicket {
  readonly promise: Promise<void>;
  readonly entries = new Map<number, Entry>();
  private settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }

  get settled(): boolean {
    return this.settle === undefined;
  }

  add(partition: number, offset: bigint, awaited: Awaited): void {
    const entry = this.entries.get(partition);
    if (entry) this.entries.set(partition, { first: entry.first, last: offset, awaited: entry.awaited });
    else this.entries.set(partition, { first: offset, last: offset, awaited: awaited === 'any' ? 'any' : new Set(awaited) });
  }

  resolve(): void {
    this.settle?.resolve();
    this.settle = undefined;
  }

  reject(err: unknown): void {
    this.settle?.reject(err);
    this.settle = undefined;
  }
}

/** The open tickets of one topic, per partition, in offset order. */
export class TicketBook {
  private readonly open = new Map<number, SendTicket[]>();

  add(ticket: SendTicket): void {
    if (ticket.entries.size === 0) return ticket.resolve();
    for (const partition of ticket.entries.keys()) {
      const list = this.open.get(partition) ?? [];
      list.push(ticket);
      this.open.set(partition, list);
    }
  }

  /** `group` committed `partition` up to (excluding) `next`. */
  committed(group: string, partition: number, next: bigint): void {
    this.update(partition, (ticket, entry) => {
      if (entry.last >= next) return false;
      if (entry.awaited !== 'any') {
        entry.awaited.delete(group);
        if (entry.awaited.size > 0) return false;
      }
      ticket.entries.delete(partition);
      if (ticket.entries.size === 0) ticket.resolve();
      return true;
    });
  }

  /** A batch of `group` ending at `last` failed: tickets with records in it that wait for `group` reject. */
  failed(group: string, partition: number, last: bigint, error: unknown): void {
    this.update(partition, (ticket, entry) => {
      if (entry.first > last || (entry.awaited !== 'any' && !entry.awaited.has(group))) return false;
      ticket.reject(error);
      return true;
    });
  }

  /** `group` stopped: tickets still waiting for it reject with `error`. */
  left(group: string, error: unknown): void {
    for (const partition of this.open.keys()) {
      this.update(partition, (ticket, entry) => {
        if (entry.awaited === 'any' || !entry.awaited.has(group)) return false;
        ticket.reject(error);
        return true;
      });
    }
  }

  rejectAll(error: unknown): void {
    for (const list of this.open.values()) for (const ticket of list) ticket.reject(error);
    this.open.clear();
  }

  /** The first offset in `partition` held for whichever group subscribes first, if any. */
  firstHeld(partition: number): bigint | undefined {
    for (const ticket of this.open.get(partition) ?? []) {
      const entry = ticket.entries.get(partition);
      if (!ticket.settled && entry?.awaited === 'any') return entry.first;
    }
    return undefined;
  }

  /** Runs `visit` on each open ticket of `partition`; drops those it reports done and those already settled. */
  private update(partition: number, visit: (ticket: SendTicket, entry: Entry) => boolean): void {
    const list = this.open.get(partition);
    if (!list) return;
    const kept = list.filter((ticket) => {
      if (ticket.settled) return false;
      const entry = ticket.entries.get(partition);
      return entry !== undefined && !visit(ticket, entry);
    });
    if (kept.length > 0) this.open.set(partition, kept);
    else this.open.delete(partition);
  }
}
