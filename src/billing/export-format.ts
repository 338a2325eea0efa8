/**
 * Export lines (export.ts) in the forms billing systems take
 * (docs/billing.md "Exports"):
 *
 * - `ndjson`: one ExportLine per line;
 * - `csv`: a header, one row per line, the same fields;
 * - `stripe`: one Stripe meter event per line (POST /v1/billing/meter_events
 *   body as JSON): `event_name`, `payload.stripe_customer_id` (from the
 *   customer map), `payload.value` (the exact USD amount, decimal text),
 *   `identifier` (the idempotency key), `timestamp` (the last second of the
 *   month, so the usage lands in that month's billing period); a negative
 *   line (an allowance, a correction down) goes to `<event_name>_credit` with
 *   the positive value;
 * - `focus`: FOCUS 1.2 (FinOps Open Cost and Usage Specification) CSV: its
 *   mandatory columns, the conditional ones tally knows, and `x_` columns.
 */
import { TallyError } from '../core/errors.js';
import type { ExportLine } from './export.js';

export const EXPORT_FORMATS = ['ndjson', 'csv', 'stripe', 'focus'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CSV_COLUMNS = ['idempotency_key', 'tenant', 'user', 'period', 'kind', 'model', 'class', 'unit', 'quantity', 'amount', 'charge_period', 'billing_period_start', 'billing_period_end', 'statement_version', 'reference'] as const;

function csvCell(value: string | null): string {
  const text = value ?? '';
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvRow = (cells: readonly (string | null)[]): string => cells.map(csvCell).join(',') + '\n';

export function ndjsonLine(l: ExportLine): string {
  return JSON.stringify(l) + '\n';
}

export function csvHeader(): string {
  return csvRow(EXPORT_CSV_COLUMNS);
}

export function csvLine(l: ExportLine): string {
  return csvRow(EXPORT_CSV_COLUMNS.map((c) => l[c]));
}

/** Stripe customer ids by customer: `{"acme": "cus_…"}`, or `{"acme": {"": "cus_…", "u42": "cus_…"}}` for users. */
export type CustomerMap = Readonly<Record<string, string | Readonly<Record<string, string>>>>;

/** Reads a customer map; VALIDATION_FAILED naming what is wrong. */
export function parseCustomerMap(value: unknown): CustomerMap {
  const ok = (v: unknown): boolean => typeof v === 'string' && v !== '';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TallyError('VALIDATION_FAILED', 'the customer map must be a JSON object: {"<tenant>": "cus_…"} or {"<tenant>": {"<user>": "cus_…"}}');
  for (const [tenant, v] of Object.entries(value)) {
    if (ok(v)) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(ok)) continue;
    throw new TallyError('VALIDATION_FAILED', `customer map: ${JSON.stringify(tenant)} must map to a Stripe customer id or to {user: id}`);
  }
  return value as CustomerMap;
}

/** The Stripe customer of a line's customer, or null when the map has none. */
export function stripeCustomer(map: CustomerMap, tenant: string, user: string): string | null {
  const v = map[tenant];
  if (v === undefined) return null;
  if (typeof v === 'string') return user === '' ? v : null;
  return v[user] ?? null;
}

export interface StripeOptions {
  readonly customers: CustomerMap;
  /** The meter's event name (default `tally_billed_usd`). */
  readonly eventName?: string;
}

export function stripeLine(l: ExportLine, options: StripeOptions): string {
  const customer = stripeCustomer(options.customers, l.tenant, l.user);
  if (customer === null) throw new TallyError('VALIDATION_FAILED', `the customer map has no Stripe customer for tenant ${JSON.stringify(l.tenant)}${l.user === '' ? '' : ` user ${JSON.stringify(l.user)}`}`);
  const name = options.eventName ?? 'tally_billed_usd';
  const negative = l.amount.startsWith('-');
  return JSON.stringify({
    event_name: negative ? `${name}_credit` : name,
    identifier: l.idempotency_key,
    timestamp: Math.floor(Date.parse(l.billing_period_end) / 1000) - 1,
    payload: { stripe_customer_id: customer, value: negative ? l.amount.slice(1) : l.amount },
  }) + '\n';
}

/** FOCUS 1.2 columns written: the 21 mandatory ones, then conditional ones tally has, then x_ columns. */
export const FOCUS_COLUMNS = [
  'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart', 'ContractedCost', 'EffectiveCost',
  'InvoiceIssuerName', 'ListCost', 'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'ServiceCategory', 'ServiceName',
  'ChargeFrequency', 'ConsumedQuantity', 'ConsumedUnit', 'PricingCategory', 'ResourceId', 'ResourceName', 'SkuId', 'SubAccountId', 'SubAccountName',
  'x_IdempotencyKey', 'x_Kind', 'x_Class', 'x_StatementPeriod', 'x_StatementVersion', 'x_Reference',
] as const;

export interface FocusOptions {
  /** InvoiceIssuerName / ProviderName / PublisherName (default `tally`). */
  readonly issuer?: string;
  /** ServiceName (default `LLM usage`). */
  readonly serviceName?: string;
}

function monthBounds(period: string): [string, string] {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return [new Date(Date.UTC(y, m - 1, 1)).toISOString(), new Date(Date.UTC(y, m, 1)).toISOString()];
}

export function focusHeader(): string {
  return csvRow(FOCUS_COLUMNS);
}

export function focusLine(l: ExportLine, options: FocusOptions = {}): string {
  const issuer = options.issuer ?? 'tally';
  const [chargeStart, chargeEnd] = l.kind === 'adjustment' ? monthBounds(l.charge_period) : [l.billing_period_start, l.billing_period_end];
  const quantity = l.kind === 'allowance' ? null : l.quantity;
  const cells: Record<(typeof FOCUS_COLUMNS)[number], string | null> = {
    BilledCost: l.amount, BillingAccountId: l.tenant, BillingAccountName: l.tenant, BillingCurrency: 'USD',
    BillingPeriodEnd: l.billing_period_end, BillingPeriodStart: l.billing_period_start,
    ChargeCategory: l.kind === 'allowance' ? 'Credit' : 'Usage', ChargeClass: l.kind === 'adjustment' ? 'Correction' : null,
    ChargeDescription: l.kind === 'allowance' ? `allowance ${l.reference} (${l.class})` : `${l.model} ${l.class} ${l.unit}${l.kind === 'adjustment' ? ` (correction to ${l.charge_period})` : ''}`,
    ChargePeriodEnd: chargeEnd, ChargePeriodStart: chargeStart,
    ContractedCost: l.amount, EffectiveCost: l.amount, InvoiceIssuerName: issuer, ListCost: l.amount,
    PricingQuantity: quantity, PricingUnit: quantity === null ? null : l.unit, ProviderName: issuer, PublisherName: issuer,
    ServiceCategory: 'AI and Machine Learning', ServiceName: options.serviceName ?? 'LLM usage',
    ChargeFrequency: 'Usage-Based', ConsumedQuantity: quantity, ConsumedUnit: quantity === null ? null : l.unit,
    PricingCategory: quantity === null ? null : 'Standard',
    ResourceId: l.model === '' ? null : l.model, ResourceName: l.model === '' ? null : l.model, SkuId: l.model === '' ? null : `${l.model}:${l.class}`,
    SubAccountId: l.user === '' ? null : l.user, SubAccountName: l.user === '' ? null : l.user,
    x_IdempotencyKey: l.idempotency_key, x_Kind: l.kind, x_Class: l.class, x_StatementPeriod: l.period, x_StatementVersion: l.statement_version, x_Reference: l.reference === '' ? null : l.reference,
  };
  return csvRow(FOCUS_COLUMNS.map((c) => cells[c]));
}
