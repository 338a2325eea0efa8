/**
 * Route groups and the services they need. A group registers its routes only
 * when its service is present, so `tally api`, `tally processor` and
 * `tally start` each serve what they run.
 */
import type { FastifyInstance } from 'fastify';
import type { IngestService } from '../../ingest/service.js';
import type { AnalyticsService } from '../../analytics/service.js';
import type { ApiOperation } from '../openapi.js';
import { BUDGET_OPERATIONS, registerBudgetRoutes, type BudgetsApiService } from './budgets.js';
import { DASHBOARD_OPERATIONS, registerDashboardRoutes } from './dashboard.js';
import { INGEST_OPERATIONS, registerIngestRoutes } from './ingest.js';
import { META_OPERATIONS, registerMetaRoutes } from './meta.js';
import { QUOTA_OPERATIONS, registerQuotaRoutes, type QuotaApiService } from './quota.js';
import { USAGE_OPERATIONS, registerUsageRoutes } from './usage.js';

/** Services behind the API; each optional. */
export interface ApiServices {
  readonly ingest?: IngestService;
  /** Most events in one ingest request. */
  readonly maxBatchEvents?: number;
  /** Analytics queries (/v1/usage/*); also turns on the dashboard (/, /assets/*) that charts them. */
  readonly analytics?: AnalyticsService;
  /** Budgets CRUD, statuses, tiers (/v1/budgets*, /v1/tiers*, /v1/users/:id/tier): `buildBudgets(...).admin`. */
  readonly budgets?: BudgetsApiService;
  /** Quota check / reserve / settle (/v1/quota/*): `buildBudgets(...).quota`. */
  readonly quota?: QuotaApiService;
}

export type RegisterRoutes = (app: FastifyInstance, services: ApiServices) => Promise<void> | void;

export const API_ROUTE_GROUPS: readonly RegisterRoutes[] = [registerIngestRoutes, registerMetaRoutes, registerUsageRoutes, registerBudgetRoutes, registerQuotaRoutes, registerDashboardRoutes];

/** Every operation of every group, for the OpenAPI document. */
export const API_OPERATIONS: readonly ApiOperation[] = [...INGEST_OPERATIONS, ...META_OPERATIONS, ...USAGE_OPERATIONS, ...BUDGET_OPERATIONS, ...QUOTA_OPERATIONS, ...DASHBOARD_OPERATIONS];
