/**
 * `tally export --period 2026-11 [--tenant T] --format ndjson|csv|stripe|focus --out FILE
 *  [--customer-map FILE] [--event-name NAME] [--issuer NAME] [--json]`
 * (issue 16 item 4, docs/billing.md "Exports"): the closed statements of a
 * month as billable lines with idempotency keys, from the configured store.
 * The file is written next to FILE and renamed into place when complete;
 * progress on stderr; `--json` prints the summary.
 */
import { readFileSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { TallyError } from '../../core/errors.js';
import { EXPORT_FORMATS, parseCustomerMap, type CustomerMap, type ExportFormat } from '../../billing/export-format.js';
import { runExport } from '../../billing/export-service.js';
import { createStatementService } from '../../billing/statement-service.js';
import { parsePeriod } from '../../billing/statement-period.js';
import { buildPricer, describeStore, openStore } from '../../runtime/adapters.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';
import { printJson, progress } from '../output.js';

export interface ExportFlags extends ConfigFlags {
  readonly period?: string;
  readonly tenant?: string;
  readonly format?: string;
  readonly out?: string;
  readonly customerMap?: string;
  readonly eventName?: string;
  readonly issuer?: string;
  readonly json?: boolean;
}

function readMap(file: string): CustomerMap {
  try {
    return parseCustomerMap(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    if (err instanceof TallyError) throw err;
    throw new TallyError('VALIDATION_FAILED', `cannot read ${file} as JSON: ${(err as Error).message}`);
  }
}

export async function runExportCommand(flags: ExportFlags): Promise<void> {
  if (!flags.period) throw new TallyError('VALIDATION_FAILED', '--period is required: a calendar month, YYYY-MM (UTC)');
  const period = parsePeriod(flags.period);
  if (!flags.format || !(EXPORT_FORMATS as readonly string[]).includes(flags.format)) throw new TallyError('VALIDATION_FAILED', `--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  if (!flags.out) throw new TallyError('VALIDATION_FAILED', '--out FILE is required');
  const format = flags.format as ExportFormat;
  if (format === 'stripe' && !flags.customerMap) throw new TallyError('VALIDATION_FAILED', '--customer-map FILE is required for --format stripe: {"<tenant>": "cus_…"}');
  const customers = flags.customerMap ? readMap(flags.customerMap) : undefined;
  const { config, logger } = cliContext(flags, { logLevel: process.env.LOG_LEVEL ?? 'warn' });
  const store = await openStore(config, logger);
  const tmp = `${flags.out}.tmp-${process.pid}`;
  try {
    const service = createStatementService(store, buildPricer(config));
    const tenants = flags.tenant ? [flags.tenant] : await store.statements.tenants(period.from, period.to);
    const bar = progress('statements', tenants.length);
    writeFileSync(tmp, '');
    const summary = await runExport(service, tenants, {
      period: period.id, format,
      ...(customers ? { customers } : {}), ...(flags.eventName ? { eventName: flags.eventName } : {}), ...(flags.issuer ? { issuer: flags.issuer } : {}),
      onProgress: (done) => bar.set(done),
    }, (chunk) => appendFileSync(tmp, chunk));
    bar.done();
    renameSync(tmp, flags.out);
    for (const s of summary.skipped) process.stderr.write(`skipped ${s.tenant}: ${s.reason}\n`);
    if (flags.json) return printJson({ store: describeStore(config), out: flags.out, ...summary });
    process.stdout.write(`${flags.out}: ${summary.lines} lines (${format}) for ${summary.exported.length} of ${summary.customers} customers, ${period.id}; total ${summary.amounts.total} USD (usage ${summary.amounts.usage}, allowances ${summary.amounts.allowance}, adjustments ${summary.amounts.adjustment})${summary.skipped.length > 0 ? `; ${summary.skipped.length} skipped (month not closed)` : ''}\n`);
  } finally {
    rmSync(tmp, { force: true });
    await store.close();
  }
}
