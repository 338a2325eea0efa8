/** The `counters` operations (counter-source.ts) in SQL, over one executor. */
import { TOKEN_CLASSES, type TokenClass } from '../../core/classes.js';
import type { ScopeDimension } from '../../core/dimensions.js';
import { parseUsd } from '../../core/money.js';
import { maxOffsetsQuery, sumsQuery, tenantsQuery, type MaxOffsetRow, type SumsRow } from '../queries/counter-source.js';
import type { SqlExecutor } from '../types.js';
import type { CounterSourceOperations, UsageSums } from './counter-source.js';

function sumsOf(row: SumsRow, each: readonly ScopeDimension[]): UsageSums {
  const dims: Partial<Record<ScopeDimension, string>> = {};
  for (const d of each) dims[d] = row[`d_${d}`] ?? '';
  const classes = Object.fromEntries(TOKEN_CLASSES.map((c) => [c, BigInt(row[`t_${c}`] ?? '0')])) as Record<TokenClass, bigint>;
  return { bucket: Number(row.bucket), dims, cost: parseUsd(row.cost), price: parseUsd(row.price), tokens: BigInt(row.tokens), requests: BigInt(row.requests), classes };
}

export function createCounterSourceOperations(sql: SqlExecutor): CounterSourceOperations {
  return {
    async sums(input) {
      const each = input.dims.filter((d) => d.kind === 'each').map((d) => d.dim);
      return (await sql.query<SumsRow>(sumsQuery(input))).map((r) => sumsOf(r, each));
    },
    async maxOffsets(tenant) {
      const rows = await sql.query<MaxOffsetRow>(maxOffsetsQuery(tenant));
      return rows.map((r) => ({ topic: r.topic, partition: Number(r.partition), offset: String(r.max_offset) }));
    },
    async tenants(from, to) {
      return (await sql.query<{ tenant: string }>(tenantsQuery(from, to))).map((r) => r.tenant);
    },
  };
}
