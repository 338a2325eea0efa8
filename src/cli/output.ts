/**
 * How commands print: data on stdout (aligned tables for people, JSON or NDJSON
 * with --json), progress and diagnostics on stderr, so a pipe never sees a
 * progress bar.
 */
import { isTallyError, errorMessage } from '../core/errors.js';

export type Align = 'left' | 'right';

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
  readonly align?: Align;
}

/** Renders rows as an aligned text table; `footer` rows (e.g. totals) follow a rule. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[], footer: readonly Row[] = []): string {
  const cells = (r: Row): string[] => columns.map((c) => c.value(r));
  const body = rows.map(cells);
  const foot = footer.map(cells);
  const widths = columns.map((c, i) => Math.max(c.header.length, ...[...body, ...foot].map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => ((columns[i]?.align ?? 'left') === 'right' ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ').trimEnd();
  const out = [line(columns.map((c) => c.header)), rule, ...body.map(line)];
  if (foot.length > 0) out.push(rule, ...foot.map(line));
  return out.join('\n') + '\n';
}

/** 1234567.5 → "1,234,567.5" (works on decimal text, so exact values stay exact). */
export function thousands(text: string): string {
  const [whole = '', frac] = text.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return sign + grouped + (frac !== undefined ? `.${frac}` : '');
}

export interface Progress {
  /** Prints a message line above the bar (the bar is redrawn on the next tick). */
  log(line: string): void;
  tick(n?: number): void;
  set(done: number): void;
  done(summary?: string): void;
}

/**
 * A progress line on stderr, redrawn at most every 100 ms when stderr is a
 * terminal, or a line every 5 s otherwise (so CI logs show progress too).
 */
export function progress(label: string, total?: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  const start = Date.now();
  let count = 0;
  let last = 0;
  const render = (final: boolean): void => {
    const now = Date.now();
    if (!final && now - last < (tty ? 100 : 5000)) return;
    last = now;
    const secs = Math.max((now - start) / 1000, 0.001);
    const rate = Math.round(count / secs);
    let text: string;
    if (total !== undefined && total > 0) {
      const pct = Math.min(100, (count / total) * 100);
      const width = 24;
      const filled = Math.round((pct / 100) * width);
      text = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct.toFixed(0).padStart(3)}% ${thousands(String(count))}/${thousands(String(total))} ${thousands(String(rate))}/s`;
    } else {
      text = `${label} ${thousands(String(count))} ${thousands(String(rate))}/s`;
    }
    stream.write(tty ? `\r\x1b[2K${text}` : `${text}\n`);
  };
  return {
    log(line) { stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`); last = 0; },
    tick(n = 1) { count += n; render(false); },
    set(done) { count = done; render(false); },
    done(summary) {
      render(true);
      if (tty) stream.write('\n');
      if (summary) stream.write(`${summary}\n`);
    },
  };
}

/** Writes a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, jsonReplacer, 2) + '\n');
}

/** JSON.stringify replacer that writes bigints as strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Reports an error that ends the command: one clear line, or a JSON object with --json. */
export function reportFatal(err: unknown, json: boolean): void {
  if (json) {
    const body = isTallyError(err) ? err.toJSON() : { code: 'INTERNAL', message: errorMessage(err) };
    process.stdout.write(JSON.stringify({ error: body }) + '\n');
    return;
  }
  const code = isTallyError(err) ? `${err.code}: ` : '';
  process.stderr.write(`tally: ${code}${errorMessage(err)}\n`);
  if (isTallyError(err) && Array.isArray(err.details.errors)) {
    for (const e of err.details.errors as { path: string; reason: string }[]) process.stderr.write(`  ${e.path || '(root)'}: ${e.reason}\n`);
  }
}
