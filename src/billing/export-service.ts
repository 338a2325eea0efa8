/**
 * One export run (docs/billing.md "Exports"): the closed statements of the
 * customers for a month, as export lines in one format, written in order.
 * A customer whose month is not closed is skipped and listed in the summary
 * — never exported with numbers that could still change.
 */
import { formatUsd, parseUsd } from '../core/money.js';
import { exportLines, type ExportKind, type ExportLine } from './export.js';
import { csvHeader, csvLine, focusHeader, focusLine, ndjsonLine, stripeCustomer, stripeLine, type CustomerMap, type ExportFormat } from './export-format.js';
import type { Statement } from './statement.js';
import { TallyError } from '../core/errors.js';

export interface ExportOptions {
  readonly period: string;
  readonly format: ExportFormat;
  /** Stripe: customer ids by tenant (and user). */
  readonly customers?: CustomerMap;
  /** Stripe: the meter's event name. */
  readonly eventName?: string;
  /** FOCUS: the issuer's name. */
  readonly issuer?: string;
  /** After each customer: done of total. */
  readonly onProgress?: (done: number, total: number, tenant: string) => void;
}

export interface ExportSummary {
  readonly period: string;
  readonly format: ExportFormat;
  readonly customers: number;
  readonly exported: readonly string[];
  /** Customers not exported, with why (an open month). */
  readonly skipped: readonly { readonly tenant: string; readonly reason: string }[];
  readonly lines: number;
  /** Σ amount per kind and in all (USD, exact). */
  readonly amounts: Readonly<Record<ExportKind | 'total', string>>;
}

export async function runExport(
  statements: { statement(customer: { tenant: string; user: string }, period: string): Promise<Statement> },
  tenants: readonly string[],
  options: ExportOptions,
  write: (chunk: string) => Promise<void> | void,
): Promise<ExportSummary> {
  const exported: string[] = [];
  const skipped: { tenant: string; reason: string }[] = [];
  const sums: Record<ExportKind, bigint> = { usage: 0n, allowance: 0n, adjustment: 0n };
  const picked: ExportLine[][] = [];
  let done = 0;
  for (const tenant of tenants) {
    const s = await statements.statement({ tenant, user: '' }, options.period);
    done++;
    options.onProgress?.(done, tenants.length, tenant);
    if (s.status !== 'closed') {
      skipped.push({ tenant, reason: `${options.period} is not closed (tally statement --tenant ${tenant} --period ${options.period} --close)` });
      continue;
    }
    const lines = exportLines(s);
    if (options.format === 'stripe' && lines.length > 0 && stripeCustomer(options.customers ?? {}, tenant, '') === null) {
      throw new TallyError('VALIDATION_FAILED', `the customer map has no Stripe customer for tenant ${JSON.stringify(tenant)} (--customer-map)`);
    }
    exported.push(tenant);
    picked.push(lines);
  }
  if (options.format === 'csv') await write(csvHeader());
  if (options.format === 'focus') await write(focusHeader());
  let count = 0;
  for (const lines of picked) {
    let chunk = '';
    for (const l of lines) {
      sums[l.kind] += parseUsd(l.amount);
      count++;
      if (options.format === 'ndjson') chunk += ndjsonLine(l);
      else if (options.format === 'csv') chunk += csvLine(l);
      else if (options.format === 'stripe') chunk += stripeLine(l, { customers: options.customers ?? {}, ...(options.eventName ? { eventName: options.eventName } : {}) });
      else chunk += focusLine(l, options.issuer ? { issuer: options.issuer } : {});
    }
    await write(chunk);
  }
  return {
    period: options.period, format: options.format, customers: tenants.length, exported, skipped, lines: count,
    amounts: { usage: formatUsd(sums.usage), allowance: formatUsd(sums.allowance), adjustment: formatUsd(sums.adjustment), total: formatUsd(sums.usage + sums.allowance + sums.adjustment) },
  };
}
