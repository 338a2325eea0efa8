/**
 * `tally price [FILE|-]` — dry-run pricing. Reads events (v1, CloudEvents or
 * OTel GenAI) as NDJSON and writes one priced record per good line as NDJSON,
 * or an aligned table with a totals row (`--table`), or one JSON document
 * (`--json`). Bad lines are reported on stderr with their line number, field
 * path and reason; the good ones are still priced. Every entry a --prices
 * file had to skip (and every price key tally does not apply) is named on
 * stderr with its reason (in the document with --json). Exit code: 0 all
 * good; 1 some line was bad; 4 every line was priced but a price file had
 * skipped entries; 5 both.
 */
import { createReadStream } from 'node:fs';
import { readNdjson } from '../../events/ndjson.js';
import { formatUsd, type Money } from '../../core/money.js';
import { acceptEvent, priceAccepted } from '../../pipeline/price-event.js';
import { toPricedRecord, type PricedRecord } from '../../pipeline/priced-record.js';
import { createPricer, loadCatalog } from '../../pricing/index.js';
import { anythingSkipped } from '../../pricing/price-report.js';
import { SKIPPED_PRICES_EXIT_CODE, skippedLines, summaryLine } from './prices.js';
import { jsonReplacer, renderTable, thousands, type Column } from '../output.js';
import { TOKEN_CLASSES } from '../../core/classes.js';
import { type Rejection } from '../../events/types.js';

export interface PriceOptions {
  readonly prices: string[];
  readonly table?: boolean;
  readonly json?: boolean;
  readonly builtins: boolean;
}

interface BadLine {
  readonly line: number;
  readonly rejection: Rejection;
}

function describeBad(bad: BadLine): string {
  const { code, message, errors } = bad.rejection;
  if (errors.length === 0) return `line ${bad.line}: ${code}: ${message}`;
  return errors.map((e) => `line ${bad.line}: ${code}: ${e.path || '(event)'}: ${e.reason}`).join('\n');
}

const n = (v: number): string => thousands(String(v));

function tableOf(records: readonly (PricedRecord & { line: number })[], total: Money): string {
  type Row = { line: string; tenant: string; model: string; input: string; cached: string; output: string; reasoning: string; total: string; cost: string; note: string };
  const rows: Row[] = records.map((r) => ({
    line: String(r.line),
    tenant: r.tenant,
    model: r.model_key ?? r.model,
    input: n(r.tokens.input + r.tokens.cache_write_5m + r.tokens.cache_write_1h + r.tokens.audio_input + r.tokens.image_input),
    cached: n(r.tokens.cached_input),
    output: n(r.tokens.output + r.tokens.audio_output + r.tokens.image_output),
    reasoning: n(r.tokens.reasoning),
    total: n(r.tokens.total),
    cost: r.priced ? `$${r.cost.total}` : '—',
    note: r.priced ? (r.cost_source === 'reported' ? 'reported cost' : '') : `unpriced: ${r.pricing_error?.code ?? ''}`,
  }));
  const sum = (f: (r: PricedRecord) => number): string => n(records.reduce((s, r) => s + f(r), 0));
  const footer: Row[] = [{
    line: 'total',
    tenant: '',
    model: `${records.length} event${records.length === 1 ? '' : 's'}`,
    input: sum((r) => r.tokens.input + r.tokens.cache_write_5m + r.tokens.cache_write_1h + r.tokens.audio_input + r.tokens.image_input),
    cached: sum((r) => r.tokens.cached_input),
    output: sum((r) => r.tokens.output + r.tokens.audio_output + r.tokens.image_output),
    reasoning: sum((r) => r.tokens.reasoning),
    total: sum((r) => r.tokens.total),
    cost: `$${thousands(formatUsd(total))}`,
    note: '',
  }];
  const columns: Column<Row>[] = [
    { header: 'line', value: (r) => r.line, align: 'right' },
    { header: 'tenant', value: (r) => r.tenant },
    { header: 'model', value: (r) => r.model },
    { header: 'input', value: (r) => r.input, align: 'right' },
    { header: 'cached', value: (r) => r.cached, align: 'right' },
    { header: 'output', value: (r) => r.output, align: 'right' },
    { header: 'reasoning', value: (r) => r.reasoning, align: 'right' },
    { header: 'tokens', value: (r) => r.total, align: 'right' },
    { header: 'cost (USD)', value: (r) => r.cost, align: 'right' },
    { header: '', value: (r) => r.note },
  ];
  return renderTable(columns, rows, footer);
}

export async function runPrice(file: string, options: PriceOptions): Promise<void> {
  const catalog = loadCatalog({ files: options.prices, builtins: options.builtins });
  const skipped = catalog.reports.filter(anythingSkipped);
  if (!options.json) {
    for (const report of skipped) {
      process.stderr.write(skippedLines(report, 'tally: prices ').join('\n') + '\n');
      process.stderr.write(`tally: prices ${summaryLine(report)}\n`);
    }
  }
  const pricer = createPricer(catalog);
  const source = file === '-' ? process.stdin : createReadStream(file);
  const now = new Date();
  const records: (PricedRecord & { line: number })[] = [];
  const bad: BadLine[] = [];
  let total: Money = 0n;
  let unpriced = 0;
  const streaming = !options.table && !options.json;
  for await (const { line, outcome } of readNdjson(source)) {
    const accepted = outcome.ok ? acceptEvent(outcome.event, outcome.envelope, { receivedAt: now, makeId: () => `line-${line}` }) : outcome;
    if (!accepted.ok) {
      const entry = { line, rejection: accepted.rejection };
      bad.push(entry);
      if (!options.json) process.stderr.write(describeBad(entry) + '\n');
      continue;
    }
    const priced = priceAccepted(pricer, accepted.event, accepted.usage, null);
    total += priced.pricing.total;
    if (!priced.pricing.priced) unpriced++;
    const record = { line, ...toPricedRecord(priced) };
    if (streaming) process.stdout.write(JSON.stringify(record, jsonReplacer) + '\n');
    else records.push(record);
  }
  if (options.json) {
    const tokens: Record<string, number> = {};
    for (const c of [...TOKEN_CLASSES, 'total'] as const) tokens[c] = records.reduce((s, r) => s + r.tokens[c], 0);
    const doc = {
      records,
      totals: { events: records.length, unpriced, tokens, cost: formatUsd(total) },
      rejected: bad.map((b) => ({ line: b.line, code: b.rejection.code, message: b.rejection.message, errors: b.rejection.errors })),
      price_files: catalog.reports.map((r) => ({ file: r.file, format: r.format, entries: r.entries, imported: r.imported, aliases: r.aliases, skipped: r.skipped, not_priced: r.fields.filter((f) => f.use === 'unsupported' || f.use === 'unknown') })),
    };
    process.stdout.write(JSON.stringify(doc, jsonReplacer, 2) + '\n');
  } else if (options.table) {
    process.stdout.write(tableOf(records, total));
  }
  let code = 0;
  if (bad.length > 0) {
    if (!options.json) process.stderr.write(`${bad.length} bad line${bad.length === 1 ? '' : 's'} (see above); the other lines were priced\n`);
    code |= 1;
  }
  if (skipped.length > 0) code |= SKIPPED_PRICES_EXIT_CODE;
  if (code !== 0) process.exitCode = code;
}
