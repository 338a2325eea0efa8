/**
 * The public JSON shape of a priced event, as `tally price` prints it and the
 * API returns it: identity, resolution, canonical tokens, and every cost as an
 * exact decimal string in USD.
 */
import { formatUsd } from '../core/money.js';
import { type TokenCounts } from '../normalize/types.js';
import { type PricingError } from '../pricing/types.js';
import type { PricedEvent } from './types.js';
import { COST_CLASSES, type CostClass } from '../core/classes.js';


export interface PricedRecord {
  readonly event_id: string;
  readonly occurred_at: string;
  readonly tenant: string;
  readonly user_id: string | null;
  readonly group: string | null;
  readonly session_id: string | null;
  readonly agent: string | null;
  readonly feature: string | null;
  readonly provider: string | null;
  readonly model: string;
  readonly model_key: string | null;
  readonly priced: boolean;
  readonly pricing_error: PricingError | null;
  readonly usage_shape: string;
  readonly tokens: TokenCounts;
  readonly cost: Readonly<Record<'total' | CostClass, string>>;
  readonly cache_savings: string;
  readonly cost_source: string;
  readonly price_version: string | null;
  readonly price_tier: string | null;
}

export function toPricedRecord(p: PricedEvent): PricedRecord {
  const e = p.event;
  const cost: Record<string, string> = { total: formatUsd(p.pricing.total) };
  for (const c of COST_CLASSES) cost[c] = formatUsd(p.pricing.cost[c]);
  return {
    event_id: e.event_id,
    occurred_at: e.occurred_at,
    tenant: e.tenant,
    user_id: e.user_id ?? null,
    group: e.group ?? null,
    session_id: e.session_id ?? null,
    agent: e.agent ?? null,
    feature: e.feature ?? null,
    provider: e.provider ?? null,
    model: e.model,
    model_key: p.pricing.model_key,
    priced: p.pricing.priced,
    pricing_error: p.pricing.pricing_error,
    usage_shape: p.usage.shape,
    tokens: p.usage.tokens,
    cost: cost as PricedRecord['cost'],
    cache_savings: formatUsd(p.pricing.cache_savings),
    cost_source: p.pricing.cost_source,
    price_version: p.pricing.price_version,
    price_tier: p.pricing.tier,
  };
}
