/**
 * A fake analytics store for reconcile unit tests: it keeps `usage_events`
 * rows in memory and implements the store's operations reconcile uses — the
 * counter source (`counters`: sums, maxOffsets, tenants) — plus
 * `events.insertRows` to put rows in, with the semantics of the real SQL:
 * sums read the current version of each event (the highest row_version per
 * (tenant, event_id), as FINAL does) and count rows with sign = 1 only, but a
 * cancelled event still yields its group; max offsets and tenants read every
 * row. The real SQL runs against chDB in test/integration/budgets/.
 */
import { TOKEN_CLASSES, type TokenClass } from '../../../src/core/classes.js';
import { countedModel, type ScopeDimension } from '../../../src/core/dimensions.js';
import { parseUsd, type Money } from '../../../src/core/money.js';
import type { SourcePosition } from '../../../src/pipeline/types.js';
import type { UsageEventRow } from '../../../src/store/event-row.js';
import type { CounterSourceOperations, UsageSums, UsageSumsInput } from '../../../src/store/operations/counter-source.js';
import type { EventOperations } from '../../../src/store/operations/events.js';
import { globToRe2 } from '../../../src/store/queries/counter-source.js';

type Row = UsageEventRow;
type Read = keyof CounterSourceOperations;

const VALUE_OF: Readonly<Record<ScopeDimension, (r: Row) => string>> = {
  tenant: (r) => r.tenant, user_id: (r) => r.user_id, group: (r) => r.group_id, model: (r) => countedModel(r.model_key, r.model),
  provider: (r) => r.provider, agent: (r) => r.agent, feature: (r) => r.feature, api_key_id: (r) => r.api_key_id,
};

const ms = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`);

export class FakeStore {
  readonly rows: Row[] = [];
  /** Runs before each read (e.g. to let a "processor" apply meanwhile). */
  beforeRead: ((op: Read) => Promise<void>) | null = null;
  /** The reads made, in order. */
  readonly reads: Read[] = [];

  readonly events: Pick<EventOperations, 'insertRows'> = {
    insertRows: async (rows) => {
      this.rows.push(...rows);
    },
  };

  readonly counters: CounterSourceOperations = {
    sums: (input) => this.read('sums', () => this.sums(input)),
    maxOffsets: (tenant) => this.read('maxOffsets', () => this.maxOffsets(tenant)),
    tenants: (from, to) => this.read('tenants', () => this.tenants(from, to)),
  };

  private async read<T>(op: Read, run: () => T): Promise<T> {
    this.reads.push(op);
    if (this.beforeRead) await this.beforeRead(op);
    return run();
  }

  /** The current version of each event (FINAL): the highest row_version, the last inserted among equals. */
  private final(): Row[] {
    const latest = new Map<string, Row>();
    for (const r of this.rows) {
      const k = `${r.tenant}\n${r.event_id}`;
      const cur = latest.get(k);
      if (!cur || BigInt(r.row_version) >= BigInt(cur.row_version)) latest.set(k, r);
    }
    return [...latest.values()];
  }

  private maxOffsets(tenant: string | null): SourcePosition[] {
    const out = new Map<string, SourcePosition>();
    for (const r of this.rows) {
      if (r.source_topic === '' || (tenant !== null && r.tenant !== tenant)) continue;
      const k = `${r.source_topic}\n${r.source_partition}`;
      const cur = out.get(k);
      if (!cur || BigInt(r.source_offset) > BigInt(cur.offset)) out.set(k, { topic: r.source_topic, partition: r.source_partition, offset: r.source_offset });
    }
    return [...out.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  private tenants(from: number, to: number): string[] {
    return [...new Set(this.rows.filter((r) => ms(r.occurred_at) >= from && ms(r.occurred_at) < to).map((r) => r.tenant))].sort();
  }

  private matches(r: Row, input: UsageSumsInput): boolean {
    const at = ms(r.occurred_at);
    if (at < input.from || at >= input.to) return false;
    if (input.tenant !== null && r.tenant !== input.tenant) return false;
    if (input.priced !== undefined && r.priced !== input.priced) return false;
    for (const d of input.dims) {
      const value = VALUE_OF[d.dim](r);
      if (d.kind === 'literal' && value !== d.value) return false;
      if (d.kind === 'pattern' && !new RegExp(globToRe2(d.value), 's').test(value)) return false;
      if (d.kind === 'each' && value === '') return false;
    }
    if (r.source_topic === '') return true;
    const fence = input.fence.find((f) => f.topic === r.source_topic && f.partition === r.source_partition);
    return fence !== undefined && BigInt(r.source_offset) <= BigInt(fence.offset);
  }

  private sums(input: UsageSumsInput): UsageSums[] {
    const each = input.dims.filter((d) => d.kind === 'each').map((d) => d.dim);
    type Group = { dims: Partial<Record<ScopeDimension, string>>; bucket: number; rows: Row[] };
    const groups = new Map<string, Group>();
    for (const r of this.final()) {
      if (!this.matches(r, input)) continue;
      const dims = Object.fromEntries(each.map((d) => [d, VALUE_OF[d](r)]));
      const bucket = Math.floor((ms(r.occurred_at) - input.from) / input.step);
      const k = JSON.stringify([dims, bucket]);
      const g: Group = groups.get(k) ?? { dims, bucket, rows: [] };
      g.rows.push(r);
      groups.set(k, g);
    }
    return [...groups.values()].map((g) => {
      const live = g.rows.filter((r) => r.sign === 1);
      const sum = (f: (r: Row) => string | number): bigint => live.reduce((a, r) => a + BigInt(f(r)), 0n);
      const cost: Money = live.reduce((a, r) => a + parseUsd(r.cost_total), 0n);
      const price: Money = live.reduce((a, r) => a + parseUsd(r.price_total), 0n);
      const classes = Object.fromEntries(TOKEN_CLASSES.map((c) => [c, sum((r) => r[`${c}_tokens`])])) as Record<TokenClass, bigint>;
      return { bucket: g.bucket, dims: g.dims, cost, price, tokens: sum((r) => r.total_tokens), requests: sum((r) => r.requests), classes };
    });
  }
}
