/** bin/tally.js chooses the compiled CLI when it is built and up to date with src/, else the sources through tsx. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseEntry } from '../../../bin/entry.js';
import { runTally } from '../../support/cli.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A git checkout with src/cli/main.ts (mtime `srcAt`) and, when `builtAt` is given, a build started then. */
function fixture(srcAt: number, builtAt?: number): string {
  const root = mkdtempSync(join(tmpdir(), 'tally-bin-'));
  roots.push(root);
  mkdirSync(join(root, '.git'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  writeFileSync(join(root, 'src', 'cli', 'main.ts'), '');
  utimesSync(join(root, 'src', 'cli', 'main.ts'), srcAt / 1000, srcAt / 1000);
  if (builtAt !== undefined) {
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'main.js'), '');
    writeFileSync(join(root, 'dist', 'build.json'), JSON.stringify({ startedAtMs: builtAt }));
  }
  return root;
}

const T = Date.UTC(2026, 0, 1);

describe('which code bin/tally.js runs', () => {
  it('runs the sources until dist/ is built', () => {
    expect(chooseEntry(fixture(T), {})).toMatchObject({ kind: 'src', reason: 'not built' });
  });

  it('runs dist/ while no source changed since the build started, and the sources as soon as one did', () => {
    const root = fixture(T, T + 1000);
    expect(chooseEntry(root, {})).toMatchObject({ kind: 'dist', file: join(root, 'dist', 'cli', 'main.js') });
    writeFileSync(join(root, 'src', 'cli', 'new.ts'), ''); // edited now, after the build
    expect(chooseEntry(root, {})).toMatchObject({ kind: 'src', file: join(root, 'src', 'cli', 'main.ts'), reason: 'src/ changed since the build' });
  });

  it('runs dist/ of an installed package (no .git) whatever the file times, and of a checkout without sources', () => {
    const installed = fixture(T + 5000, T);
    expect(chooseEntry(installed, {}).kind).toBe('src');
    rmSync(join(installed, '.git'), { recursive: true });
    expect(chooseEntry(installed, {})).toMatchObject({ kind: 'dist', reason: 'built, not a git checkout' });
    const root = fixture(T, T);
    rmSync(join(root, 'src'), { recursive: true });
    expect(chooseEntry(root, {})).toMatchObject({ kind: 'dist', reason: 'no sources' });
  });

  it('does what TALLY_RUN says, and refuses what it cannot do', () => {
    const stale = fixture(T + 5000, T);
    expect(chooseEntry(stale, { TALLY_RUN: 'dist' }).kind).toBe('dist');
    expect(chooseEntry(fixture(T, T + 1000), { TALLY_RUN: 'src' }).kind).toBe('src');
    expect(() => chooseEntry(fixture(T), { TALLY_RUN: 'dist' })).toThrow(/no complete build: run npm run build/);
    expect(() => chooseEntry(stale, { TALLY_RUN: 'fast' })).toThrow(/TALLY_RUN must be auto, dist or src/);
  });

  it('exits 2 with one line on a bad TALLY_RUN', async () => {
    const r = await runTally(['--version'], { env: { TALLY_RUN: 'fast' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tally: TALLY_RUN must be auto, dist or src (got "fast")\n');
  });
});
