/**
 * Assembling one statement: the parameters bound while its text is built
 * (values never enter the text), and a query nested over a subquery.
 */

/** Collects bound parameters while SQL text is assembled. */
export class Params {
  readonly values: Record<string, unknown> = {};

  /** Binds `value` under `name` and returns its `{name:Type}` placeholder. */
  bind(name: string, type: string, value: unknown): string {
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/** Indents every line of `text` by `spaces`. */
export function indent(text: string, spaces = 4): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

/** `SELECT <select> FROM (<from>) <rest>`: a query over a subquery, nested text indented. */
export function selectFrom(select: readonly string[], from: string, rest: readonly string[]): string {
  return ['SELECT', select.map((s) => indent(s)).join(',\n'), 'FROM', '(', indent(from), ')', ...rest].join('\n');
}
