/**
 * The services behind the HTTP API, each optional: a route group registers its
 * routes only when its service is present, so `tally api`, `tally processor`
 * and `tally start` each serve what they run.
 */
import type { FastifyInstance } from 'fastify';
import type { AnalyticsService } from '../analytics/service.js';
import type { BudgetEngine, BudgetRepository, BudgetSet, ReconcileResult } from '../budgets/index.js';
import type { IngestService } from '../ingest/service.js';
import type { TraceReceiver } from '../ingest/otlp/receiver.js';
import type { ActualUsage, CheckResult, ReservationResult, ReserveOptions, SettleOptions, SettleResult, Subject, UsageEstimate } from '../budgets/types.js';
import type { BudgetAlertQuery, BudgetAlertRow } from '../store/operations/budgets.js';
import type { PriceBookRepository } from '../billing/repository.js';
import type { StatementService } from '../billing/statement-service.js';
import type { Wallets } from '../billing/wallet.js';
import type { CustomerRef } from '../billing/credits.js';
import type { Budget } from '../budgets/model.js';

export interface BudgetsApiService {
  readonly repository: BudgetRepository;
  readonly engine: Pick<BudgetEngine, 'status' | 'statuses' | 'current'>;
  /** Loads a change in this process and backfills the named budgets' counters from the store. */
  changed(budgetIds: readonly string[]): Promise<ReconcileResult | null>;
  /** The alerts budgets sent, as the alert publisher recorded them (GET /v1/budgets/{id}/alerts). */
  alerts(query: BudgetAlertQuery): Promise<BudgetAlertRow[]>;
}

export interface QuotaApiService {
  check(subject: Subject, estimate?: UsageEstimate): Promise<CheckResult>;
  reserve(subject: Subject, estimate: UsageEstimate, options?: ReserveOptions): Promise<ReservationResult>;
  settle(reservationId: string, actual?: ActualUsage, options?: SettleOptions): Promise<SettleResult>;
  current(): BudgetSet;
}

/** Customers' price books (/v1/customers*, issue 16). */
export interface PriceBooksApiService {
  readonly repository: PriceBookRepository;
  /** After a write: loads the change in this process's price books at once (others poll). */
  changed?(): Promise<void>;
}

/** Wallets: balances, ledgers and grants (/v1/customers/{tenant}/wallet*, issue 16). */
export interface WalletsApiService {
  readonly wallets: Wallets;
  /** The wallets' budgets (enforcement, low-balance alerts), when this process keeps them (runtime/wallet-budgets.ts). */
  readonly budgets?: WalletBudgetsApi;
}

/** What the wallet routes ask of the keeper of wallet budgets. */
export interface WalletBudgetsApi {
  /** After a grant is added or voided: the wallet's budget takes the new limit at once. */
  sync(customer: CustomerRef): Promise<unknown>;
  /** The wallet's budget, or null (no grant yet, or wallets not enforced). */
  existing(customer: CustomerRef): Promise<Budget | null>;
  /** Sets the low-balance alert amounts (USD text) and writes the budget. */
  setAlerts(customer: CustomerRef, below: readonly string[]): Promise<Budget>;
}

/** Services behind the API; each optional. */
export interface ApiServices {
  readonly ingest?: IngestService;
  /** The OTLP traces receiver (POST /v1/traces): GenAI spans through `ingest`. */
  readonly traces?: TraceReceiver;
  /** Most events in one ingest request. */
  readonly maxBatchEvents?: number;
  /** Analytics queries (/v1/usage/*); also turns on the dashboard (/, /assets/*) that charts them. */
  readonly analytics?: AnalyticsService;
  /** Budgets CRUD, statuses, tiers (/v1/budgets*, /v1/tiers*, /v1/users/:id/tier): `buildBudgets(...).admin`. */
  readonly budgets?: BudgetsApiService;
  /** Quota check / reserve / settle (/v1/quota/*): `buildBudgets(...).quota`. */
  readonly quota?: QuotaApiService;
  /** Customers and price books (/v1/customers*). */
  readonly priceBooks?: PriceBooksApiService;
  /** Customers' statements (/v1/customers/{tenant}/statement*). */
  readonly statements?: Pick<StatementService, 'statement' | 'close'>;
  /** Wallets (/v1/customers/{tenant}/wallet*). */
  readonly wallets?: WalletsApiService;
}

export type RegisterRoutes = (app: FastifyInstance, services: ApiServices) => Promise<void> | void;

