/**
 * Route groups and the services they need. A group registers its routes only
 * when its service is present, so `tally api`, `tally processor` and
 * `tally start` each serve what they run.
 */
import type { RegisterRoutes } from '../services.js';
import type { ApiOperation } from '../openapi.js';
import { BUDGET_ALERT_OPERATIONS, registerBudgetAlertRoutes } from './budget-alerts.js';
import { BUDGET_OPERATIONS, registerBudgetRoutes } from './budgets.js';
import { CUSTOMER_OPERATIONS, registerCustomerRoutes } from './customers.js';
import { DASHBOARD_OPERATIONS, registerDashboardRoutes } from './dashboard.js';
import { INGEST_OPERATIONS, registerIngestRoutes } from './ingest.js';
import { META_OPERATIONS } from './meta.js';
import { OTLP_OPERATIONS, registerOtlpRoutes } from './otlp.js';
import { QUOTA_OPERATIONS, registerQuotaRoutes } from './quota.js';
import { STATEMENT_OPERATIONS, registerStatementRoutes } from './statements.js';
import { USAGE_OPERATIONS, registerUsageRoutes } from './usage.js';
import { WALLET_OPERATIONS, registerWalletRoutes } from './wallet.js';

export const API_ROUTE_GROUPS: readonly RegisterRoutes[] = [registerIngestRoutes, registerOtlpRoutes, registerUsageRoutes, registerBudgetRoutes, registerBudgetAlertRoutes, registerQuotaRoutes, registerCustomerRoutes, registerWalletRoutes, registerStatementRoutes, registerDashboardRoutes];

/** Every operation of every group, for the OpenAPI document. */
export const API_OPERATIONS: readonly ApiOperation[] = [...INGEST_OPERATIONS, ...OTLP_OPERATIONS, ...META_OPERATIONS, ...USAGE_OPERATIONS, ...BUDGET_OPERATIONS, ...BUDGET_ALERT_OPERATIONS, ...QUOTA_OPERATIONS, ...CUSTOMER_OPERATIONS, ...WALLET_OPERATIONS, ...STATEMENT_OPERATIONS, ...DASHBOARD_OPERATIONS];
