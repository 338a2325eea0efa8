/**
 * What pricing produces. Amounts are exact Money (bigint femto-USD); they are
 * turned into decimal strings only at the edge (JSON, SQL, tables).
 */
import type { Money } from '../core/money.js';
import type { CostClass } from '../core/classes.js';

/** Cost per class; every class present, zero when unused. */
export type CostBreakdown = { readonly [K in CostClass]: Money };

/** Where the final cost came from. */
export type CostSource = 'catalog' | 'reported' | 'none';

export interface PricingError {
  /** UNKNOWN_MODEL, NO_PRICE_IN_FORCE, … (see src/core/errors.ts). */
  readonly code: string;
  readonly message: string;
}

export interface PricingResult {
  readonly priced: boolean;
  /** Why the event is not priced; null when priced. */
  readonly pricing_error: PricingError | null;
  /** The catalog key the model resolved to, e.g. `anthropic/claude-3-5-sonnet`; null when unknown. */
  readonly model_key: string | null;
  /** Identifies the exact price used, e.g. `anthropic/claude-3-5-sonnet@2024-06-20`; null when unpriced. */
  readonly price_version: string | null;
  readonly cost: CostBreakdown;
  readonly total: Money;
  /** What cache reads saved versus the uncached input price (cache writes are not savings). */
  readonly cache_savings: Money;
  readonly cost_source: CostSource;
  /** The tier applied, e.g. `above_200000`; null for the base price. */
  readonly tier: string | null;
}
