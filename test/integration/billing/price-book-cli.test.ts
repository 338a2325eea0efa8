/**
 * `tally price-book set|show|versions` and `tally customers list` on the
 * configured store (chDB under --data-dir), with --json, as a user runs them:
 * a book stored from a file, a second version, the history, one version by
 * number, and a book the schema refuses (exit 1, PRICE_BOOK_INVALID with the
 * field). Six runs of the binary, about 2.5 s each compiled (15 s here).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTally } from '../../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tally-book-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, value: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};
const data = ['--data-dir', join(dir, 'data')];
const parse = (stdout: string): Record<string, unknown> => JSON.parse(stdout) as Record<string, unknown>;

describe('tally price-book and tally customers', () => {
  it('stores versions from files, shows them, lists customers, and refuses an invalid book with the field', { timeout: 90_000 }, async () => {
    expect((await runTally(['migrate', ...data])).code).toBe(0);
    const v1 = file('v1.json', { description: 'ten percent', rules: [{ kind: 'markup', percent: '10', effective_from: '2026-01-01T00:00:00Z' }] });
    const set = await runTally(['price-book', 'set', ...data, '--tenant', 'acme', '--user', 'u/42', '--file', v1, '--json']);
    expect(set.code, set.stderr).toBe(0);
    const first = parse(set.stdout);
    expect(first).toMatchObject({ tenant: 'acme', user: 'u/42', price_book_version: `user:${String(first.version)}`, book: { description: 'ten percent' } });

    const bad = file('bad.json', { rules: [{ kind: 'contract', effective_from: '2026-01-01T00:00:00Z', per_million: { input: '1.0000000001' } }] });
    const refused = await runTally(['price-book', 'set', ...data, '--tenant', 'acme', '--file', bad, '--json']);
    expect(refused.code).toBe(1);
    expect(parse(refused.stdout)).toMatchObject({ error: { code: 'PRICE_BOOK_INVALID', details: { errors: [{ path: 'rules[0].per_million.input' }] } } });

    const v2 = file('v2.json', { rules: [{ kind: 'markup', percent: '20', effective_from: '2026-01-01T00:00:00Z' }] });
    const second = parse((await runTally(['price-book', 'set', ...data, '--tenant', 'acme', '--user', 'u/42', '--file', v2, '--json'])).stdout);
    expect(BigInt(String(second.version)) > BigInt(String(first.version))).toBe(true);

    const versions = parse((await runTally(['price-book', 'versions', ...data, '--tenant', 'acme', '--user', 'u/42', '--json'])).stdout).versions as Record<string, unknown>[];
    expect(versions.map((v) => v.version)).toEqual([second.version, first.version]);

    const customers = parse((await runTally(['customers', 'list', ...data, '--json'])).stdout).customers as Record<string, unknown>[];
    expect(customers.map((c) => [c.tenant, c.user, c.version])).toEqual([['acme', 'u/42', second.version]]);
  });
});
