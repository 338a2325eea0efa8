/**
 * Tiers: named budget templates (free / premium / enterprise, …) applied to
 * users by their tier assignment, as seed systems do. A tier's budgets are
 * per-user budgets — scope `{tenant: "*", user_id: "*"}` plus any further scope
 * the template gives — that apply to a user exactly when the user's tier is
 * that tier: their assigned tier, or the default tier when unassigned.
 *
 * A tier budget's id is `tier:<tier>:<key>`. Its counters are the ordinary
 * per-user counters, shared with every other per-user budget of the same
 * period, so changing a user's tier takes effect at once with the spend
 * already counted.
 */
import { z } from 'zod';
import type { FieldError } from '../core/errors.js';
import { budgetInputSchema, budgetInvalid, parseBudget, zodFieldErrors, type Budget, type ParseBudgetOptions } from './model.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const tierBudgetSchema = budgetInputSchema
  .omit({ id: true, tier: true })
  .extend({
    /** Identifies the budget within the tier, e.g. `daily-cost`. */
    key: z.string().regex(KEY_RE, 'must be 1–64 letters, digits, ".", "_" or "-"'),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const tierInputSchema = z
  .object({
    name: z.string().regex(NAME_RE, 'must be 1–64 letters, digits, "_" or "-"'),
    description: z.string().max(500).optional(),
    /** Applies to every user without an assignment. At most one tier is the default. */
    default: z.boolean().optional(),
    budgets: z.array(tierBudgetSchema).min(1, 'a tier needs at least one budget').max(20, 'at most 20 budgets per tier'),
  })
  .strict();

export type TierInput = z.input<typeof tierInputSchema>;

export interface Tier {
  readonly name: string;
  readonly description: string;
  readonly default: boolean;
  /** The generated budgets (id `tier:<name>:<key>`, `tier` set). */
  readonly budgets: readonly Budget[];
}

export interface TierAssignment {
  readonly tenant: string;
  readonly user: string;
  readonly tier: string;
}

export function tierBudgetId(tier: string, key: string): string {
  return `tier:${tier}:${key}`;
}

/** Validates a tier and expands its templates into budgets. Throws BUDGET_INVALID. */
export function parseTier(input: unknown, options: ParseBudgetOptions = {}): Tier {
  const parsed = tierInputSchema.safeParse(input);
  if (!parsed.success) throw budgetInvalid(zodFieldErrors(parsed.error, options.path), 'tier');
  const t = parsed.data;
  const errors: FieldError[] = [];
  const budgets: Budget[] = [];
  const keys = new Set<string>();
  t.budgets.forEach((tb, i) => {
    const path = `${options.path ? `${options.path}.` : ''}budgets[${i}]`;
    if (keys.has(tb.key)) errors.push({ path: `${path}.key`, reason: `duplicate key "${tb.key}"` });
    keys.add(tb.key);
    if (tb.scope?.tenant !== undefined || tb.scope?.user_id !== undefined || tb.scope?.user !== undefined) {
      errors.push({ path: `${path}.scope`, reason: 'a tier budget is always per tenant and user; leave tenant and user_id out' });
      return;
    }
    const { key, ...rest } = tb;
    try {
      budgets.push(
        parseBudget(
          { ...rest, id: tierBudgetId(t.name, key), name: tb.name ?? `${t.name} ${key}`, tier: t.name, scope: { tenant: '*', user_id: '*', ...(tb.scope ?? {}) } },
          { ...options, path },
        ),
      );
    } catch (err) {
      const list = (err as { details?: { errors?: FieldError[] } }).details?.errors;
      errors.push(...(list ?? [{ path, reason: String(err) }]));
    }
  });
  if (errors.length > 0) throw budgetInvalid(errors, 'tier');
  return { name: t.name, description: t.description ?? '', default: t.default ?? false, budgets };
}

/** The input form of a parsed tier (for storage and the API). */
export function tierToInput(tier: Tier): TierInput {
  return {
    name: tier.name,
    description: tier.description,
    default: tier.default,
    budgets: tier.budgets.map((b) => {
      const scope = Object.fromEntries(Object.entries(b.scope).filter(([d]) => d !== 'tenant' && d !== 'user_id'));
      return {
        key: b.id.slice(`tier:${tier.name}:`.length),
        name: b.name,
        metric: b.metric,
        token_class: b.token_class,
        limit: b.limit,
        period: b.period,
        ...(b.period === 'rolling' ? { window: b.window } : { timezone: b.timezone }),
        scope,
        enforcement: b.enforcement,
        ...(b.unpriced === undefined ? {} : { unpriced: b.unpriced }),
        ...(b.outage_policy === undefined ? {} : { outage_policy: b.outage_policy }),
        thresholds: [...b.thresholds],
        approaching: b.approaching,
        metadata: { ...b.metadata },
      };
    }),
  };
}

/** The tier that applies to a user: the assigned one when it exists, else the default tier. */
export function tierOf(user: string, tenant: string, assignments: ReadonlyMap<string, string>, tiers: ReadonlyMap<string, Tier>): Tier | null {
  const assigned = assignments.get(assignmentKey(tenant, user));
  if (assigned !== undefined) {
    const t = tiers.get(assigned);
    if (t) return t;
  }
  for (const t of tiers.values()) if (t.default) return t;
  return null;
}

export function assignmentKey(tenant: string, user: string): string {
  return JSON.stringify([tenant, user]);
}
