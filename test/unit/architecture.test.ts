/**
 * The store owns SQL: outside src/store/ no source holds SQL text or runs
 * SQL through the store's executor (`store.sql.query/command/insert`);
 * domains call the store's typed operations. Sources are parsed with the
 * TypeScript compiler, so only string and template literals are searched
 * (comments may talk about SQL) and only real calls count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/** Folders (relative to the repository, with a trailing /) that may hold SQL. */
const SQL_OWNERS = [
  'src/store/',
];

/** SQL text in a literal. */
const SQL_TEXT = [/\b(SELECT|INSERT INTO|ALTER TABLE|CREATE TABLE)\b/, /\bFROM usage_/, /\bFINAL\b/];
/** Methods of the store's SQL executor. */
const EXECUTOR_METHODS = new Set(['query', 'command', 'insert']);

/** Where a source holds SQL text or calls `<x>.sql.query|command|insert(…)`: `line: what` per finding. */
export function sqlFindings(fileName: string, text: string): string[] {
  // Parse only what could hold a finding (the text at least mentions it somewhere).
  if (!SQL_TEXT.some((r) => r.test(text)) && !/\.sql\b/.test(text)) return [];
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const at = (node: ts.Node): number => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const re = SQL_TEXT.find((r) => r.test(node.text));
      if (re) found.push(`${at(node)}: SQL text ${JSON.stringify(node.text.slice(0, 60))}`);
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression;
      const owner = method.expression;
      if (EXECUTOR_METHODS.has(method.name.text) && ts.isPropertyAccessExpression(owner) && owner.name.text === 'sql') {
        found.push(`${at(node)}: calls .sql.${method.name.text}(…)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('architecture: the store owns SQL', () => {
  it('no SQL text and no store.sql calls in src/ outside the SQL owners', () => {
    const findings: string[] = [];
    for (const path of sources(SRC)) {
      const rel = relative(ROOT, path).split('\\').join('/');
      if (SQL_OWNERS.some((owner) => rel.startsWith(owner))) continue;
      for (const f of sqlFindings(rel, readFileSync(path, 'utf8'))) findings.push(`${rel}:${f}`);
    }
    expect(findings).toEqual([]);
  });

  it('the check sees SQL in literals and executor calls, not in comments or other calls', () => {
    const source = [
      '// SELECT * FROM usage_events FINAL in a comment is fine',
      '/* so is INSERT INTO x */',
      "const a = 'SELECT 1';",
      'const b = `SELECT ${a} FROM usage_events`;',
      "const c = { sql: 'x' }; const d = `FROM t FINAL`;",
      'await store.sql.query({ sql: q });',
      'await this.store.sql.insert(t, rows);',
      'await store.events.insert(events); await client.query(x); await sql.query(x);',
    ].join('\n');
    expect(sqlFindings('probe.ts', source)).toEqual([
      '3: SQL text "SELECT 1"',
      '4: SQL text "SELECT "',
      '4: SQL text " FROM usage_events"',
      '5: SQL text "FROM t FINAL"',
      '6: calls .sql.query(…)',
      '7: calls .sql.insert(…)',
    ]);
  });
});
