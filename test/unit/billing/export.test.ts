/**
 * Export lines and formats (issue 16 item 4): keys depend on the line's
 * identity and the statement's close version only; open statements are not
 * exported; Stripe meter events (customer map, credit meter for negative
 * lines, the month's last second); FOCUS 1.2 columns; CSV quoting.
 */
import { describe, expect, it } from 'vitest';
import { exportLines } from '../../../src/billing/export.js';
import { csvHeader, csvLine, focusHeader, focusLine, FOCUS_COLUMNS, parseCustomerMap, stripeLine } from '../../../src/billing/export-format.js';
import { runExport } from '../../../src/billing/export-service.js';
import type { Statement } from '../../../src/billing/statement.js';
import { rejection } from '../../support/rejection.js';

const closed: Statement = {
  format: 'tally.statement.v1', customer: { tenant: 'acme', user: '' }, period: '2026-12', from: '2026-12-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z', currency: 'USD',
  status: 'closed', closed_at: '2027-01-02T00:00:00.000Z', version: '1798848000000000', content_hash: 'x'.repeat(64), price_book_version: 'tenant:5', events: '10',
  lines: [
    { model: 'openai/gpt-4o', class: 'input', unit: 'tokens', quantity: '4000', unit_price: '2.5', unit_price_per: '1M tokens', amount: '0.01' },
    { model: 'openai/gpt-4o', class: 'request', unit: 'requests', quantity: '10', unit_price: '0.0001', unit_price_per: 'request', amount: '0.001' },
  ],
  allowances: [{ index: 0, id: null, period: 'month', kind: 'tokens', class: 'input', quantity: '1000', amount: '0.0025' }],
  credits: [],
  adjustments: [{ period: '2026-11', model: 'openai/gpt-4o', class: 'input', quantity: '0', amount: '-0.0003' }],
  totals: { usage: '0.011', allowances: '0.0025', adjustments: '-0.0003', subtotal: '0.0082', credits: '0', due: '0.0082', credit_refund: '0' },
};

describe('export lines', () => {
  it('one line per usage item, allowance and adjustment; keys unique, stable, and changed by the close version', () => {
    const lines = exportLines(closed);
    expect(lines.map((l) => [l.kind, l.model, l.class, l.amount, l.charge_period])).toEqual([
      ['usage', 'openai/gpt-4o', 'input', '0.01', '2026-12'],
      ['usage', 'openai/gpt-4o', 'request', '0.001', '2026-12'],
      ['allowance', '', 'input', '-0.0025', '2026-12'],
      ['adjustment', 'openai/gpt-4o', 'input', '-0.0003', '2026-11'],
    ]);
    expect(new Set(lines.map((l) => l.idempotency_key)).size).toBe(4);
    expect(exportLines(structuredClone(closed)).map((l) => l.idempotency_key)).toEqual(lines.map((l) => l.idempotency_key));
    const other = exportLines({ ...closed, version: '1798848000000001' });
    expect(other.some((l) => lines.some((m) => m.idempotency_key === l.idempotency_key))).toBe(false);
    expect(lines[0]?.idempotency_key).toMatch(/^tly_[0-9a-f]{64}$/);
  });

  it('refuses an open statement', async () => {
    expect(() => exportLines({ ...closed, status: 'open', version: null })).toThrow(/open: close it first/);
    let out = '';
    const summary = await runExport({ statement: async () => ({ ...closed, status: 'open', version: null }) }, ['acme'], { period: '2026-12', format: 'ndjson' }, (c) => void (out += c));
    expect(summary).toMatchObject({ exported: [], lines: 0, skipped: [{ tenant: 'acme' }] });
    expect(out).toBe('');
  });
});

describe('export formats', () => {
  const [usage, , allowance, adjustment] = exportLines(closed);

  it('Stripe meter events: the mapped customer, the exact value, the key as identifier, the month\'s last second; negative lines on the credit meter', () => {
    const customers = parseCustomerMap({ acme: 'cus_123' });
    expect(JSON.parse(stripeLine(usage!, { customers }))).toEqual({ event_name: 'tally_billed_usd', identifier: usage!.idempotency_key, timestamp: Date.UTC(2027, 0, 1) / 1000 - 1, payload: { stripe_customer_id: 'cus_123', value: '0.01' } });
    expect(JSON.parse(stripeLine(allowance!, { customers, eventName: 'ai' }))).toMatchObject({ event_name: 'ai_credit', payload: { value: '0.0025' } });
    expect(() => stripeLine(usage!, { customers: parseCustomerMap({ globex: 'cus_9' }) })).toThrow(/no Stripe customer for tenant "acme"/);
    expect(() => parseCustomerMap({ acme: 42 })).toThrow(/must map to a Stripe customer id/);
    expect(() => parseCustomerMap([])).toThrow(/must be a JSON object/);
  });

  it('a Stripe export with a customer missing from the map writes nothing', async () => {
    let out = '';
    const err = await rejection(runExport({ statement: async () => closed }, ['acme'], { period: '2026-12', format: 'stripe', customers: {} }, (c) => void (out += c)));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(out).toBe('');
  });

  it('FOCUS 1.2: the mandatory columns, costs exact, credits and corrections classified', () => {
    const header = focusHeader().trimEnd().split(',');
    for (const c of ['BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd', 'ChargePeriodStart', 'ContractedCost', 'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'ServiceCategory', 'ServiceName']) expect(header).toContain(c);
    const row = (line: NonNullable<typeof usage>): Record<string, string> => Object.fromEntries(focusLine(line).trimEnd().split(',').map((v, i) => [FOCUS_COLUMNS[i] as string, v]));
    expect(row(usage!)).toMatchObject({ BilledCost: '0.01', EffectiveCost: '0.01', ListCost: '0.01', ChargeCategory: 'Usage', ChargeClass: '', ConsumedQuantity: '4000', ConsumedUnit: 'tokens', BillingPeriodStart: '2026-12-01T00:00:00.000Z', ChargePeriodStart: '2026-12-01T00:00:00.000Z', SkuId: 'openai/gpt-4o:input', BillingCurrency: 'USD', x_IdempotencyKey: usage!.idempotency_key });
    expect(row(allowance!)).toMatchObject({ BilledCost: '-0.0025', ChargeCategory: 'Credit', PricingQuantity: '' });
    expect(row(adjustment!)).toMatchObject({ BilledCost: '-0.0003', ChargeCategory: 'Usage', ChargeClass: 'Correction', ChargePeriodStart: '2026-11-01T00:00:00.000Z', ChargePeriodEnd: '2026-12-01T00:00:00.000Z', BillingPeriodStart: '2026-12-01T00:00:00.000Z' });
  });

  it('CSV: a header and the line\'s fields, quoted when needed', () => {
    expect(csvHeader()).toBe('idempotency_key,tenant,user,period,kind,model,class,unit,quantity,amount,charge_period,billing_period_start,billing_period_end,statement_version,reference\n');
    const quoted = exportLines({ ...closed, customer: { tenant: 'a,"b"', user: '' } })[0]!;
    expect(csvLine(quoted)).toContain(',"a,""b""",,2026-12,usage,');
  });
});
