/**
 * Corrections to closed months (docs/billing.md "Statements"): a reprice or a
 * late event changes a month after its statement was frozen. The next open
 * statement — the month right after the latest closed one — carries, for
 * every closed month before it, the difference between that month's usage
 * recomputed now and what its frozen statement billed, by model and class,
 * less what later closed statements already carried. Nothing is ever
 * silently changed: a frozen statement stays as it was stored.
 */
import { COST_CLASSES, type CostClass } from '../core/classes.js';
import { formatUsd, parseUsd, type Money } from '../core/money.js';
import type { StatementUsageRow } from '../store/operations/statements.js';
import { quantityOf, quantityText, sumByModelClass, type Statement, type StatementAdjustment } from './statement.js';

type Totals = Map<string, { model: string; cls: CostClass; quantity: bigint; amount: Money }>;

const keyOf = (period: string, model: string, cls: CostClass): string => JSON.stringify([period, model, cls]);

function add(t: Totals, period: string, model: string, cls: CostClass, quantity: bigint, amount: Money): void {
  const k = keyOf(period, model, cls);
  const acc = t.get(k) ?? { model, cls, quantity: 0n, amount: 0n };
  t.set(k, { model, cls, quantity: acc.quantity + quantity, amount: acc.amount + amount });
}

/**
 * Adjustment lines for `closed` statements (frozen documents, any order) given
 * `rows`: the customer's usage now over (at least) those months.
 */
export function adjustmentsFor(closed: readonly Statement[], rows: readonly StatementUsageRow[]): StatementAdjustment[] {
  const months = new Set(closed.map((s) => s.period));
  const delta: Totals = new Map();
  for (const month of months) {
    const sums = sumByModelClass(rows.filter((r) => r.day.slice(0, 7) === month));
    for (const [model, classes] of sums) for (const [cls, v] of classes) add(delta, month, model, cls, v.quantity, v.amount);
  }
  for (const s of closed) {
    for (const l of s.lines) add(delta, s.period, l.model, l.class, -quantityOf(l.class, l.quantity), -parseUsd(l.amount));
    for (const a of s.adjustments) if (months.has(a.period)) add(delta, a.period, a.model, a.class, -quantityOf(a.class, a.quantity), -parseUsd(a.amount));
  }
  const out: StatementAdjustment[] = [];
  const order = (k: string): [string, string, number] => {
    const [period, model, cls] = JSON.parse(k) as [string, string, CostClass];
    return [period, model, COST_CLASSES.indexOf(cls)];
  };
  const keys = [...delta.keys()].sort((a, b) => {
    const [pa, ma, ca] = order(a);
    const [pb, mb, cb] = order(b);
    return pa !== pb ? (pa < pb ? -1 : 1) : ma !== mb ? (ma < mb ? -1 : 1) : ca - cb;
  });
  for (const k of keys) {
    const d = delta.get(k);
    if (!d || (d.quantity === 0n && d.amount === 0n)) continue;
    out.push({ period: (JSON.parse(k) as [string])[0], model: d.model, class: d.cls, quantity: quantityText(d.cls, d.quantity), amount: formatUsd(d.amount) });
  }
  return out;
}
