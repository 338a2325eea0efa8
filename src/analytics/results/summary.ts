/**
 * The `summary` answer from the store's per-model rows (`store.usage.summary`):
 * the rows added up exactly for the totals, so totals and per-model figures
 * come from one read.
 */
import { rangeInfo, sourceInfo } from '../describe.js';
import type { SummaryQuery } from '../inputs.js';
import { measuresJson, measuresOf, sumMeasures } from '../measures.js';
import type { ModelCost, ModelTokens, SummaryResult } from '../types.js';
import type { SourcePlan, SummaryRow } from '../../store/usage/index.js';
import { TOKEN_CLASSES, COST_CLASSES } from '../../core/classes.js';

/** The summary from the per-model rows: totals added exactly, models sorted by tokens and by cost. */
export function summaryResult(rows: readonly SummaryRow[], q: SummaryQuery, plan: SourcePlan): SummaryResult {
  const models = rows.map((r) => ({ model: r.model_label, m: measuresOf(r) }));
  const totals = sumMeasures(models.map((x) => x.m));
  const byTokens = [...models].sort((a, b) => compareBig(b.m.counts.total_tokens, a.m.counts.total_tokens) || compareText(a.model, b.model));
  const byCost = [...models].sort((a, b) => compareBig(b.m.money.cost_total, a.m.money.cost_total) || compareText(a.model, b.model));
  return {
    range: rangeInfo(q),
    totals: measuresJson(totals),
    tokens_by_model: byTokens.map(({ model, m }) => {
      const j = measuresJson(m);
      const tokens: Record<string, number> = {};
      for (const c of TOKEN_CLASSES) tokens[`${c}_tokens`] = j[`${c}_tokens`];
      return { model, events: j.events, requests: j.requests, ...tokens, total_tokens: j.total_tokens } as ModelTokens;
    }),
    cost_by_model: byCost.map(({ model, m }) => {
      const j = measuresJson(m);
      const costs: Record<string, string> = {};
      for (const c of COST_CLASSES) costs[`cost_${c}`] = j[`cost_${c}`];
      return { model, events: j.events, ...costs, cost_total: j.cost_total, cache_savings: j.cache_savings, price: j.price, margin: j.margin, margin_pct: j.margin_pct } as ModelCost;
    }),
    source: sourceInfo(plan, q.tz),
  };
}

/** Sort helper for bigints: -1, 0, 1. */
export function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort helper for text by code units (as ClickHouse compares Strings). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
