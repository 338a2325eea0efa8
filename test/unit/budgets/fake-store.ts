/**
 * A fake analytics store for reconcile unit tests: it keeps `usage_events`
 * rows in memory and evaluates the budget query objects (recognised by their
 * `/* tally:budgets.<name> *\/` tag) from their bound parameters, with the
 * semantics of the SQL: FINAL keeps the highest row_version per
 * (tenant, event_id); sums count rows with sign = 1 only, but cancelled events
 * still yield their group. The real SQL runs against chDB in
 * test/integration/budgets/reconcile-store.test.ts.
 */
import type { AnalyticsStore, SqlExecutor, SqlQuery } from '../../../src/store/types.js';
import type { UsageEventRow } from '../../../src/store/event-row.js';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { TOKEN_CLASSES } from '../../../src/core/classes.js';

type Row = UsageEventRow;

const DIM_COLUMN: Record<string, (r: Row) => string> = {
  user_id: (r) => r.user_id, group: (r) => r.group_id, model: (r) => (r.model_key !== '' ? r.model_key : r.model), provider: (r) => r.provider,
  agent: (r) => r.agent, feature: (r) => r.feature, api_key_id: (r) => r.api_key_id, tenant: (r) => r.tenant,
};

const ms = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`);

export class FakeStore implements AnalyticsStore, SqlExecutor {
  readonly kind = 'chdb' as const;
  /** The fake is its own executor. */
  get sql(): SqlExecutor {
    return this;
  }
  readonly database = 'fake';
  readonly rows: Row[] = [];
  /** Runs before each query (e.g. to let a "processor" apply meanwhile). */
  beforeQuery: ((tag: string) => Promise<void>) | null = null;
  readonly queries: string[] = [];

  private final(): Row[] {
    const latest = new Map<string, Row>();
    for (const r of this.rows) {
      const k = `${r.tenant}\n${r.event_id}`;
      const cur = latest.get(k);
      if (!cur || BigInt(r.row_version) >= BigInt(cur.row_version)) latest.set(k, r);
    }
    return [...latest.values()];
  }

  async query<T extends object>(q: SqlQuery): Promise<T[]> {
    const tag = /\/\* tally:budgets\.(\w+) \*\//.exec(q.sql)?.[1] ?? '';
    this.queries.push(tag);
    if (this.beforeQuery) await this.beforeQuery(tag);
    const p = (q.params ?? {}) as Record<string, unknown>;
    switch (tag) {
      case 'max_offsets': {
        const out = new Map<string, { topic: string; partition: number; max_offset: string }>();
        for (const r of this.rows) {
          if (r.source_topic === '' || (p.tenant !== undefined && r.tenant !== p.tenant)) continue;
          const k = `${r.source_topic}\n${r.source_partition}`;
          const cur = out.get(k);
          if (!cur || BigInt(r.source_offset) > BigInt(cur.max_offset)) out.set(k, { topic: r.source_topic, partition: r.source_partition, max_offset: r.source_offset });
        }
        return [...out.values()] as T[];
      }
      case 'tenants': {
        const from = ms(String(p.from));
        const to = ms(String(p.to));
        return [...new Set(this.rows.filter((r) => ms(r.occurred_at) >= from && ms(r.occurred_at) < to).map((r) => r.tenant))].sort().map((tenant) => ({ tenant })) as T[];
      }
      case 'sums':
        return this.sums(q.sql, p) as T[];
      default:
        throw new Error(`fake store: unknown query ${q.sql.slice(0, 60)}`);
    }
  }

  private sums(sql: string, p: Record<string, unknown>): Record<string, string>[] {
    const each = [...sql.matchAll(/ AS d_(\w+)/g)].map((m) => m[1] as string);
    const from = ms(String(p.from));
    const to = ms(String(p.to));
    const topics = p.fence_topics as string[];
    const partitions = p.fence_partitions as number[];
    const offsets = (p.fence_offsets as bigint[]).map(String);
    const groups = new Map<string, { dims: Record<string, string>; bucket: number; rows: Row[] }>();
    for (const r of this.final()) {
      const at = ms(r.occurred_at);
      if (at < from || at >= to) continue;
      if (p.tenant !== undefined && r.tenant !== p.tenant) continue;
      let ok = true;
      for (const [name, value] of Object.entries(p)) {
        const dim = name.slice(name.indexOf('_') + 1);
        if (name.startsWith('f_') && DIM_COLUMN[dim]?.(r) !== value) ok = false;
        if (name.startsWith('re_') && !new RegExp(String(value), 's').test(DIM_COLUMN[dim]?.(r) ?? '')) ok = false;
      }
      for (const d of each) if ((DIM_COLUMN[d]?.(r) ?? '') === '') ok = false;
      if (r.source_topic !== '') {
        const i = topics.findIndex((t, j) => t === r.source_topic && partitions[j] === r.source_partition);
        if (i < 0 || BigInt(r.source_offset) > BigInt(offsets[i] ?? '0')) ok = false;
      }
      if (!ok) continue;
      const dims = Object.fromEntries(each.map((d) => [`d_${d}`, DIM_COLUMN[d]?.(r) ?? '']));
      const bucket = Math.floor((at - Number(p.from_ms)) / Number(p.step));
      const k = JSON.stringify([dims, bucket]);
      const g = groups.get(k) ?? { dims, bucket, rows: [] };
      g.rows.push(r);
      groups.set(k, g);
    }
    return [...groups.values()].map((g) => {
      const live = g.rows.filter((r) => r.sign === 1);
      const sum = (f: (r: Row) => string | number): string => live.reduce((a, r) => a + BigInt(f(r)), 0n).toString();
      const out: Record<string, string> = { ...g.dims, bucket: String(g.bucket) };
      out.cost = formatUsd(live.reduce((a, r) => a + parseUsd(r.cost_total), 0n));
      out.tokens = sum((r) => r.total_tokens);
      out.requests = sum((r) => r.requests);
      for (const c of TOKEN_CLASSES) out[`t_${c}`] = sum((r) => r[`${c}_tokens`]);
      return out;
    });
  }

  async command(): Promise<void> {}

  async insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (table !== 'usage_events') throw new Error(`fake store: no table ${table}`);
    this.rows.push(...(rows as unknown as Row[]));
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
