/**
 * `tally --help` loads commander and the registration files, nothing else:
 * the static imports reachable from src/cli/main.ts (type-only imports and
 * `await import(...)` inside actions excluded, as the compiled JavaScript
 * does) stay inside that small set. A command's work is imported when it runs.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Module specifiers a file imports at run time (what survives compilation with verbatimModuleSyntax). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly && ts.isStringLiteral(s.moduleSpecifier)) out.push(s.moduleSpecifier.text);
    if (ts.isExportDeclaration(s) && !s.isTypeOnly && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) out.push(s.moduleSpecifier.text);
  }
  return out;
}

function closure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('.')) pending.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  }
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort() };
}

describe('tally start-up', () => {
  it('loads only commander and the registration files before a command runs', () => {
    const { files, packages } = closure(join(ROOT, 'src/cli/main.ts'));
    expect(packages).toEqual(['commander']);
    const allowed = /^src\/cli\/(main|flags|output)\.ts$|^src\/cli\/register\/[a-z-]+\.ts$|^src\/core\/errors\.ts$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(files).toContain('src/cli/register/price.ts');
  });

  it('follows imports through the layers (a command\'s work reaches zod)', () => {
    const { packages } = closure(join(ROOT, 'src/cli/commands/price.ts'));
    expect(packages).toContain('zod');
  });
});
