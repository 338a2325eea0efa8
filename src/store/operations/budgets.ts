/**
 * The `budgets` operations of the analytics-store port: rows of the budget
 * tables (migration 0010_budgets.sql) as the budget repository stores them —
 * (kind, key, JSON body, version, deleted) — and the alerts the budgets sent
 * (migration 0013_budget_alerts.sql). The contract only; the SQL is in
 * budgets-sql.ts.
 */

export type BudgetRowKind = 'budget' | 'tier' | 'assignment';

export interface BudgetRow {
  readonly kind: BudgetRowKind;
  /** budget id, tier name, or JSON [tenant, user_id] of an assignment */
  readonly key: string;
  /** JSON of the budget or tier input; the tier name for an assignment */
  readonly body: string;
  /** decimal */
  readonly version: string;
  readonly deleted: boolean;
}

/** One alert a budget sent: a threshold crossing, as published. */
export interface BudgetAlertRow {
  /** Deterministic per crossing: recording it again replaces the row. */
  readonly alert_id: string;
  readonly budget_id: string;
  /** The tenant of the crossing's counter; '' for a budget without a tenant scope. */
  readonly tenant: string;
  /** RFC 3339 with milliseconds. */
  readonly crossed_at: string;
  /** The alert body as published (JSON). */
  readonly body: string;
}

/** Where a page of alerts starts: after this (crossed_at, alert_id), newest first. */
export interface BudgetAlertPosition {
  /** As `BudgetAlertRow.crossed_at`. */
  readonly crossed_at: string;
  readonly alert_id: string;
}

export interface BudgetAlertQuery {
  readonly budgetId: string;
  /** Only this tenant's alerts. */
  readonly tenant?: string;
  readonly limit: number;
  readonly after?: BudgetAlertPosition;
}

export interface BudgetOperations {
  /** Newest row per key of a kind, deleted keys left out, by key. */
  live(kind: BudgetRowKind): Promise<BudgetRow[]>;
  /** Newest row of one key, deleted or not. */
  one(kind: BudgetRowKind, key: string): Promise<BudgetRow | null>;
  /** Appends rows (one insert per table); the highest version of a key wins. */
  write(rows: readonly BudgetRow[]): Promise<void>;
  /** Highest version of any row of any kind, deletions included; '0' when empty. */
  maxVersion(): Promise<string>;
  /** Records sent alerts; an alert recorded again (same id) stays one alert. */
  recordAlerts(rows: readonly BudgetAlertRow[]): Promise<void>;
  /** A budget's alerts, newest first (crossed_at, then alert_id, descending), one row per alert id. */
  alerts(query: BudgetAlertQuery): Promise<BudgetAlertRow[]>;
}
