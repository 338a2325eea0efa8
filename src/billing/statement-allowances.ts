/**
 * Allowances on a statement (docs/billing.md, "Statements"): free tokens or
 * free billed USD per UTC day or calendar month, from a price book. The rule
 * depends only on the closed set of events of the period — never on the order
 * in which they arrived:
 *
 * - windows: an allowance with `period: day` has one window per UTC day of the
 *   month, `month` one window for the month; it is in force for a window when
 *   its `effective_from` is at or before the window's start (one that takes
 *   effect mid-window starts with the next window);
 * - coverage: the events of the window priced by the statement's book (the
 *   book kind of their `price_book_version`), matching the allowance's `match`
 *   (as a rule's: model, family or provider) and `classes` (default: every
 *   token class for `tokens`, every class for `amount`; `tokens` only ever
 *   covers token classes);
 * - consumption: per-class totals, classes in the catalog's order
 *   (COST_CLASSES), within a class the models in name order. Free tokens take
 *   `t` of a cell's remaining `q` tokens and discount `remaining amount × t / q`
 *   (half to even; a cell used up is discounted exactly its amount); free USD
 *   discount the remaining amount up to what is left of the allowance;
 * - several allowances apply in book order, each to what the earlier ones left.
 */
import { COST_CLASSES, TOKEN_CLASSES, type CostClass } from '../core/classes.js';
import { countedModel } from '../core/dimensions.js';
import { parseUsd, type Money } from '../core/money.js';
import type { ModelFamilies } from '../pricing/families.js';
import { divHalfEven } from '../pricing/price-book.js';
import type { Allowance, RuleMatch } from '../pricing/price-book-schema.js';
import type { StatementUsageRow } from '../store/operations/statements.js';
import type { StatementPeriod } from './statement-period.js';

/** What one allowance took off one class over the period. */
export interface AllowanceApplied {
  /** Position in the book's `allowances`. */
  readonly index: number;
  readonly id: string | null;
  readonly period: 'day' | 'month';
  readonly kind: 'tokens' | 'amount';
  readonly class: CostClass;
  /** Free tokens used (token allowances; 0 for amount allowances). */
  readonly quantity: bigint;
  /** Femto-USD taken off (> 0). */
  readonly amount: Money;
}

interface Cell {
  readonly day: string;
  readonly row: StatementUsageRow;
  readonly cls: CostClass;
  q: bigint;
  a: Money;
}

/** Whether an event of this model and provider is selected by `match` (the semantics of a price rule's match, src/pricing/price-book.ts). */
export function matchesModel(match: RuleMatch, row: Pick<StatementUsageRow, 'model_key' | 'reported_model' | 'provider'>, families: ModelFamilies | undefined): boolean {
  const key = row.model_key;
  const slash = key.indexOf('/');
  if (match.model !== undefined) {
    const bare = slash > 0 ? key.slice(slash + 1) : key;
    return key === match.model || bare === match.model || row.reported_model.toLowerCase() === match.model;
  }
  if (match.family !== undefined) {
    if (!families) return false;
    return families.contains(families.familyOf(match.family), countedModel(key, row.reported_model));
  }
  if (match.provider !== undefined) return (slash > 0 ? key.slice(0, slash) : row.provider.toLowerCase()) === match.provider;
  return true;
}

function windowsOf(a: Allowance, period: StatementPeriod, days: readonly string[]): string[][] {
  const from = Date.parse(a.effective_from);
  if (a.period === 'month') return from <= period.from ? [[...days]] : [];
  return days.filter((d) => Date.parse(`${d}T00:00:00Z`) >= from).map((d) => [d]);
}

/**
 * Applies a book's allowances to a customer's usage rows of one period.
 * `book` is the kind of book ('tenant' / 'user') whose events they cover.
 */
export function applyAllowances(
  allowances: readonly Allowance[],
  book: 'tenant' | 'user',
  rows: readonly StatementUsageRow[],
  period: StatementPeriod,
  days: readonly string[],
  families?: ModelFamilies,
): AllowanceApplied[] {
  const ordered = [...rows].filter((r) => r.book === book).sort((x, y) => (x.model < y.model ? -1 : x.model > y.model ? 1 : 0));
  const cells = new Map<string, Cell[]>(); // by day, then in class order then model order
  for (const d of days) cells.set(d, []);
  for (const cls of COST_CLASSES) {
    for (const row of ordered) {
      if (row.quantity[cls] === 0n && row.amount[cls] === 0n) continue;
      cells.get(row.day)?.push({ day: row.day, row, cls, q: row.quantity[cls], a: row.amount[cls] });
    }
  }
  const out: AllowanceApplied[] = [];
  allowances.forEach((a, index) => {
    const kind = a.tokens !== null ? 'tokens' : 'amount';
    const classes = new Set<CostClass>(kind === 'tokens' ? (a.classes ?? TOKEN_CLASSES).filter((c) => (TOKEN_CLASSES as readonly string[]).includes(c)) : (a.classes ?? COST_CLASSES));
    const per = new Map<CostClass, { quantity: bigint; amount: Money }>();
    for (const window of windowsOf(a, period, days)) {
      let left: bigint = kind === 'tokens' ? BigInt(a.tokens ?? '0') : parseUsd(a.amount ?? '0');
      const inWindow = COST_CLASSES.flatMap((cls) => window.flatMap((d) => (cells.get(d) ?? []).filter((c) => c.cls === cls)));
      for (const cell of inWindow) {
        if (left <= 0n) break;
        if (!classes.has(cell.cls) || cell.a <= 0n || !matchesModel(a.match, cell.row, families)) continue;
        let quantity = 0n;
        let amount: Money;
        if (kind === 'tokens') {
          if (cell.q <= 0n) continue;
          quantity = left < cell.q ? left : cell.q;
          amount = quantity === cell.q ? cell.a : divHalfEven(cell.a * quantity, cell.q);
          left -= quantity;
          cell.q -= quantity;
        } else {
          amount = left < cell.a ? left : cell.a;
          const used = amount === cell.a ? cell.q : (cell.q * amount) / cell.a;
          cell.q -= used;
          left -= amount;
        }
        cell.a -= amount;
        const acc = per.get(cell.cls) ?? { quantity: 0n, amount: 0n };
        per.set(cell.cls, { quantity: acc.quantity + quantity, amount: acc.amount + amount });
      }
    }
    for (const cls of COST_CLASSES) {
      const acc = per.get(cls);
      if (acc && acc.amount > 0n) out.push({ index, id: a.id, period: a.period, kind, class: cls, quantity: acc.quantity, amount: acc.amount });
    }
  });
  return out;
}
