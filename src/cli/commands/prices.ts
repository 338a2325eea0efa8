/**
 * `tally prices check FILE [--json]` — what tally reads from a price file,
 * without pricing anything: the format, entries read and imported, every
 * entry skipped with its reason, how each price-carrying key was used (LiteLLM
 * files), and the prices finer than a femto-dollar (read exactly). Exit 0
 * when everything was used, 4 when something was skipped, 1 when the file
 * cannot be read at all (a tally-format file with a mistake names the model
 * and the field).
 */
import { readPriceFile, reportOf } from '../../pricing/price-files.js';
import { anythingSkipped, type PriceFileReport } from '../../pricing/price-report.js';
import { printJson, renderTable, thousands, type Column } from '../output.js';

export interface PricesCheckOptions {
  readonly json?: boolean;
  readonly litellmEffectiveFrom?: string;
}

/** Exit code when a price file had entries or price keys tally did not use. */
export const SKIPPED_PRICES_EXIT_CODE = 4;

const n = (v: number): string => thousands(String(v));

/** One line per skipped entry and per unpriced key, for stderr. */
export function skippedLines(report: PriceFileReport, prefix: string): string[] {
  const lines = report.skipped.map((s) => `${prefix}${report.file}: skipped entry "${s.entry}" (${s.reason}): ${s.detail}`);
  for (const f of report.fields) {
    if (f.use === 'unsupported' || f.use === 'unknown') lines.push(`${prefix}${report.file}: not priced: ${f.key} (${n(f.entries)} ${f.entries === 1 ? 'entry' : 'entries'}): ${f.note}`);
  }
  return lines;
}

/** The one-line summary of a report. */
export function summaryLine(report: PriceFileReport): string {
  const format = report.format === 'litellm' ? 'LiteLLM format' : 'tally format';
  const aliases = report.aliases > 0 ? ` (+${n(report.aliases)} aliases)` : '';
  return `${report.file}: ${format}, ${n(report.entries)} entries: ${n(report.imported)} models imported${aliases}, ${n(report.skipped.length)} skipped, ${n(report.inexact.length)} prices finer than a femto-dollar read exactly`;
}

function render(report: PriceFileReport): string {
  const out: string[] = [summaryLine(report), ''];
  if (report.skipped.length > 0) {
    const byReason = new Map<string, number>();
    for (const s of report.skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
    out.push(`skipped entries (${[...byReason].map(([r, c]) => `${r} ${n(c)}`).join(', ')}):`);
    for (const s of report.skipped) out.push(`  ${s.entry}  [${s.reason}]  ${s.detail}`);
    out.push('');
  }
  if (report.fields.length > 0) {
    type Row = { key: string; use: string; entries: string; note: string };
    const columns: Column<Row>[] = [
      { header: 'price-carrying key', value: (r) => r.key },
      { header: 'use', value: (r) => r.use },
      { header: 'entries', value: (r) => r.entries, align: 'right' },
      { header: 'what tally does', value: (r) => r.note },
    ];
    const order = { mapped: 0, unsupported: 1, unknown: 2, informational: 3 } as const;
    const rows = [...report.fields].sort((a, b) => order[a.use] - order[b.use] || (a.key < b.key ? -1 : 1)).map((f) => ({ key: f.key, use: f.use, entries: n(f.entries), note: f.note }));
    out.push(renderTable(columns, rows).trimEnd(), '');
  }
  if (report.inexact.length > 0) {
    out.push('prices finer than a femto-dollar (read exactly; each class amount of an event is rounded once, half to even):');
    for (const p of report.inexact) out.push(`  ${p.entry}  ${p.field}  ${p.text}`);
    out.push('');
  }
  return out.join('\n');
}

export function runPricesCheck(file: string, options: PricesCheckOptions): void {
  const source = readPriceFile(file, options.litellmEffectiveFrom === undefined ? {} : { litellmEffectiveFrom: options.litellmEffectiveFrom });
  const report = reportOf(source);
  if (options.json) printJson({ ...report, anything_skipped: anythingSkipped(report) });
  else process.stdout.write(render(report));
  if (anythingSkipped(report)) process.exitCode = SKIPPED_PRICES_EXIT_CODE;
}
