/**
 * `tally statement --tenant T [--user U] --period 2026-11 [--format json|csv|html] [--close] [--json]`
 * (issue 16, docs/billing.md "Statements"): a customer's statement for a
 * month from the configured analytics store, or through a running API with
 * `--url`. `--close` freezes the month first. Without `--format` a table;
 * `--json` (or `--format json`) the statement document; csv / html as the API
 * serves them.
 */
import { ERROR_CATALOG, TallyError, type ErrorCode } from '../../core/errors.js';
import type { CustomerRef } from '../../billing/credits.js';
import type { Statement } from '../../billing/statement.js';
import { statementCsv, statementHtml, STATEMENT_FORMATS, type StatementFormat } from '../../billing/statement-format.js';
import { createStatementService } from '../../billing/statement-service.js';
import { buildPricer, describeStore, openStore } from '../../runtime/adapters.js';
import { cliContext } from '../context.js';
import { printJson, renderTable } from '../output.js';
import type { BackendFlags } from './budgets-backend.js';

export interface StatementFlags extends BackendFlags {
  readonly tenant?: string;
  readonly user?: string;
  readonly period?: string;
  readonly format?: string;
  readonly close?: boolean;
  readonly json?: boolean;
}

interface Backend {
  statement(customer: CustomerRef, period: string): Promise<Statement>;
  close(customer: CustomerRef, period: string): Promise<Statement>;
  close_(): Promise<void>;
}

function httpBackend(base: string, apiKey: string | undefined): Backend {
  const call = async (method: string, path: string): Promise<Statement> => {
    const res = await fetch(new URL(path, base), { method, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
    const parsed = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (!res.ok) {
      const code = parsed.error?.code !== undefined && parsed.error.code in ERROR_CATALOG ? (parsed.error.code as ErrorCode) : 'INTERNAL';
      throw new TallyError(code, parsed.error?.message ?? `HTTP ${res.status}`, { details: parsed.error?.details ?? {} });
    }
    return parsed as Statement;
  };
  const user = (c: CustomerRef): string => (c.user === '' ? '' : `user=${encodeURIComponent(c.user)}`);
  return {
    statement: (c, period) => call('GET', `/v1/customers/${encodeURIComponent(c.tenant)}/statement?period=${encodeURIComponent(period)}${c.user === '' ? '' : `&${user(c)}`}`),
    close: (c, period) => call('POST', `/v1/customers/${encodeURIComponent(c.tenant)}/statements/${encodeURIComponent(period)}/close${c.user === '' ? '' : `?${user(c)}`}`),
    close_: async () => undefined,
  };
}

async function openBackend(flags: StatementFlags): Promise<Backend> {
  if (flags.url) return httpBackend(flags.url, flags.apiKey ?? process.env.TALLY_API_KEY);
  const { config, logger } = cliContext(flags, { logLevel: process.env.LOG_LEVEL ?? 'warn' });
  const store = await openStore(config, logger);
  const pricer = buildPricer(config);
  const service = createStatementService(store, pricer);
  logger.debug({ store: describeStore(config) }, 'statement');
  return { statement: (c, p) => service.statement(c, p), close: (c, p) => service.close(c, p), close_: () => store.close() };
}

/** A statement as text: line items, allowances, credits, adjustments, totals. */
export function statementText(s: Statement): string {
  const who = s.customer.user === '' ? s.customer.tenant : `${s.customer.tenant} / user ${s.customer.user}`;
  const out = [`statement ${who} ${s.period} (${s.status}${s.closed_at ? ` ${s.closed_at}` : ''}), ${s.events} events, USD\n`];
  if (s.lines.length > 0) {
    out.push(
      renderTable(
        [
          { header: 'model', value: (l) => l.model },
          { header: 'class', value: (l) => l.class },
          { header: 'quantity', value: (l) => l.quantity, align: 'right' },
          { header: 'unit price', value: (l) => (l.unit_price === null ? '—' : `${l.unit_price} / ${l.unit_price_per}`), align: 'right' },
          { header: 'amount', value: (l) => l.amount, align: 'right' },
        ],
        s.lines,
      ),
    );
  }
  for (const a of s.allowances) out.push(`allowance ${a.id ?? `#${a.index + 1}`} (${a.period}, ${a.class}${a.kind === 'tokens' ? `, ${a.quantity} tokens` : ''}): -${a.amount}\n`);
  for (const a of s.adjustments) out.push(`adjustment ${a.period} ${a.model} ${a.class} (${a.quantity}): ${a.amount}\n`);
  for (const c of s.credits) out.push(`credit ${c.grant_id} (${c.source}): -${c.amount}, ${c.remaining} left\n`);
  const t = s.totals;
  const minus = (v: string): string => (v === '0' ? '0' : `-${v}`);
  out.push(`usage ${t.usage} · allowances ${minus(t.allowances)} · adjustments ${t.adjustments} · subtotal ${t.subtotal} · credits ${minus(t.credits)} · due ${t.due}${t.credit_refund !== '0' ? ` · returned to credits ${t.credit_refund}` : ''}\n`);
  return out.join('');
}

export async function runStatement(flags: StatementFlags): Promise<void> {
  if (!flags.tenant) throw new TallyError('VALIDATION_FAILED', '--tenant is required: the customer is a tenant (and --user for one user of it)');
  if (!flags.period) throw new TallyError('VALIDATION_FAILED', '--period is required: a calendar month, YYYY-MM (UTC)');
  const format = flags.format ?? (flags.json ? 'json' : undefined);
  if (format !== undefined && !(STATEMENT_FORMATS as readonly string[]).includes(format)) throw new TallyError('VALIDATION_FAILED', `--format must be one of ${STATEMENT_FORMATS.join(', ')}`);
  const customer = { tenant: flags.tenant, user: flags.user ?? '' };
  const backend = await openBackend(flags);
  try {
    const s = flags.close ? await backend.close(customer, flags.period) : await backend.statement(customer, flags.period);
    if (flags.close) process.stderr.write(`closed ${flags.period} (content hash ${s.content_hash ?? '?'})\n`);
    const f = format as StatementFormat | undefined;
    if (f === 'json') printJson(s);
    else if (f === 'csv') process.stdout.write(statementCsv(s));
    else if (f === 'html') process.stdout.write(statementHtml(s));
    else process.stdout.write(statementText(s));
  } finally {
    await backend.close_();
  }
}
