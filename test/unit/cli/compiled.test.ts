/**
 * The compiled CLI, as an installed package runs it: bin/tally.js on dist/
 * (TALLY_RUN=dist) prints the same help, version and priced records as the
 * sources through tsx. Uses this checkout's dist/ when it is built and up to
 * date (as after `npm ci`); otherwise compiles src/ into a temporary package
 * (tsc without type checking, the assets copied) for the test.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEntry } from '../../../bin/entry.js';
import { runTally, type CliResult } from '../../support/cli.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
let root = ROOT;
let temporary = false;

function run(step: string, args: readonly string[]): void {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${step} failed:\n${r.stdout}${r.stderr}`);
}

beforeAll(() => {
  if (chooseEntry(ROOT, {}).kind === 'dist') return;
  root = mkdtempSync(join(tmpdir(), 'tally-compiled-'));
  temporary = true;
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  const startedAtMs = Date.now();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  run('tsc', [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(root, 'dist'), '--noCheck', '--declaration', 'false', '--sourceMap', 'false']);
  run('copy-assets', [join(ROOT, 'scripts', 'copy-assets.mjs'), join(root, 'dist')]);
  writeFileSync(join(root, 'dist', 'build.json'), JSON.stringify({ startedAtMs }));
}, 240_000);

afterAll(() => {
  if (temporary) rmSync(root, { recursive: true, force: true });
});

const compiled = (args: readonly string[], stdin?: string): Promise<CliResult> =>
  runTally(args, { bin: join(root, 'bin', 'tally.js'), env: { TALLY_RUN: 'dist' }, ...(stdin === undefined ? {} : { stdin }) });
const sources = (args: readonly string[], stdin?: string): Promise<CliResult> =>
  runTally(args, { env: { TALLY_RUN: 'src' }, ...(stdin === undefined ? {} : { stdin }) });

const EVENTS = [
  '{"event_id":"e1","occurred_at":"2026-01-05T10:00:00Z","tenant":"acme","provider":"anthropic","model":"claude-3-haiku-20240307","usage":{"input_tokens":1000,"output_tokens":200,"cache_read_input_tokens":500}}',
  '{"event_id":"e2","occurred_at":"2026-01-05T10:00:01Z","provider":"openai","model":"gpt-4o-mini","usage":{"prompt_tokens":-1}}',
].join('\n') + '\n';

describe('the compiled CLI (dist/)', () => {
  it('prints the same help and version as the sources', { timeout: 60_000 }, async () => {
    for (const args of [['--help'], ['budgets', 'add', '--help'], ['--version']]) {
      const [a, b] = await Promise.all([compiled(args), sources(args)]);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout, args.join(' ')).toBe(b.stdout);
    }
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await compiled(['--version'])).stdout).toBe(`${version}\n`);
  });

  it('prices events from stdin exactly as the sources do, with the built-in catalog copied into dist/', { timeout: 60_000 }, async () => {
    const [a, b] = await Promise.all([compiled(['price'], EVENTS), sources(['price'], EVENTS)]);
    expect(a).toEqual(b);
    expect(a.code).toBe(1);
    expect(JSON.parse(a.stdout)).toMatchObject({ line: 1, model_key: expect.any(String), priced: true });
    expect(a.stderr).toContain('line 2: USAGE_INVALID: usage.prompt_tokens');
  });
});
