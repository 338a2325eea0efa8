/**
 * `npm run bench -- cli [--runs N]`: what starting `tally` costs a shell user.
 * Wall time and CPU time (user + system, whole process) of `tally --help`,
 * `tally --version` and `tally price` of one event on stdin, for the compiled
 * CLI (dist/, TALLY_RUN=dist) and the sources through tsx (TALLY_RUN=src),
 * with `node -e 0` as the floor no command can go under. N runs each (default
 * 20, at least 10) after one warm-up, the cases interleaved so that a change
 * in the machine's load hits all of them alike. Targets (issue #9): compiled
 * `--help` ≤ 200 ms and `price` ≤ 500 ms wall, median.
 *
 * CPU is read inside each child by a preload (process.cpuUsage() at exit,
 * written to a file), which adds about a millisecond. dist/ is built first
 * when it is missing or older than src/. Results: bench/results/cli.json,
 * with the load average: other processes inflate wall time, hardly CPU time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseEntry } from '../bin/entry.js';
import { fmt, percentile, writeResult } from './results.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'tally.js');
const HOOK = `data:text/javascript,${encodeURIComponent("import{writeFileSync}from'node:fs';process.on('exit',()=>{writeFileSync(process.env.TALLY_BENCH_CPU,JSON.stringify(process.cpuUsage()))})")}`;
const EVENT = '{"event_id":"bench-1","occurred_at":"2026-01-05T10:00:00Z","tenant":"acme","provider":"anthropic","model":"claude-3-haiku-20240307","usage":{"input_tokens":1000,"output_tokens":200,"cache_read_input_tokens":500}}\n';
const TARGETS_MS = { help: 200, price: 500 } as const;

type Mode = 'dist' | 'src';

interface Case {
  readonly name: string;
  readonly mode: Mode | 'node';
  readonly argv: readonly string[];
  readonly stdin?: string;
}

interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

interface Stats {
  readonly median: number;
  readonly mean: number;
  readonly min: number;
  readonly p90: number;
}

const COMMANDS: readonly { name: string; args: readonly string[]; stdin?: string }[] = [
  { name: 'help', args: ['--help'] },
  { name: 'version', args: ['--version'] },
  { name: 'price', args: ['price'], stdin: EVENT },
];

function once(c: Case, cpuFile: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const env = { ...process.env, TALLY_BENCH_CPU: cpuFile, ...(c.mode === 'node' ? {} : { TALLY_RUN: c.mode }) };
    const child = spawn(process.execPath, ['--import', HOOK, ...c.argv], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`${c.name} [${c.mode}] exited ${String(code)}: ${stderr}`));
      const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')) as { user: number; system: number };
      resolve({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
    });
    child.stdin.end(c.stdin ?? '');
  });
}

function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number): number => Math.round(n * 10) / 10;
  return { median: round(percentile(sorted, 50)), mean: round(sorted.reduce((s, v) => s + v, 0) / sorted.length), min: round(sorted[0] ?? Number.NaN), p90: round(percentile(sorted, 90)) };
}

async function ensureBuilt(): Promise<void> {
  if (chooseEntry(ROOT, {}).kind === 'dist') return;
  console.log('dist/ is missing or older than src/: building it first (npm run build)');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`build exited ${String(code)}`))));
  });
}

export async function runCliBench(args: readonly string[]): Promise<void> {
  const runs = Math.max(10, Number(args[args.indexOf('--runs') + 1] ?? '') || 20);
  await ensureBuilt();
  const cases: Case[] = [{ name: 'node -e 0', mode: 'node', argv: ['-e', '0'] }];
  for (const command of COMMANDS) {
    for (const mode of ['dist', 'src'] as const) cases.push({ name: command.name, mode, argv: [BIN, ...command.args], ...(command.stdin ? { stdin: command.stdin } : {}) });
  }
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-cli-'));
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  console.log(`cli start-up benchmark: ${runs} runs per case after a warm-up, load average ${loadBefore.join(' ')} (${process.version})`);
  const samples = new Map<Case, Sample[]>(cases.map((c) => [c, []]));
  try {
    for (let run = 0; run <= runs; run++) {
      for (const c of cases) {
        const s = await once(c, join(dir, 'cpu.json'));
        if (run > 0) samples.get(c)?.push(s);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loadAfter = loadavg().map((x) => Math.round(x * 100) / 100);

  const figures: Record<string, Record<string, { wallMs: Stats; cpuMs: Stats }>> = {};
  console.log(`\n  ${'command'.padEnd(16)} ${'code'.padEnd(15)} ${'wall median'.padStart(11)} ${'p90'.padStart(7)} ${'min'.padStart(7)}   ${'CPU median'.padStart(10)} ${'min'.padStart(7)}`);
  for (const c of cases) {
    const list = samples.get(c) ?? [];
    const wall = stats(list.map((s) => s.wallMs));
    const cpu = stats(list.map((s) => s.cpuMs));
    (figures[c.name] ??= {})[c.mode] = { wallMs: wall, cpuMs: cpu };
    const label = c.mode === 'node' ? '' : c.mode === 'dist' ? 'compiled (dist)' : 'sources (tsx)';
    const ms = (n: number): string => `${fmt(n)} ms`;
    console.log(`  ${(c.mode === 'node' ? c.name : `tally ${c.name}`).padEnd(16)} ${label.padEnd(15)} ${ms(wall.median).padStart(11)} ${ms(wall.p90).padStart(7)} ${ms(wall.min).padStart(7)}   ${ms(cpu.median).padStart(10)} ${ms(cpu.min).padStart(7)}`);
  }
  const helpWall = figures.help?.dist?.wallMs.median ?? Number.NaN;
  const priceWall = figures.price?.dist?.wallMs.median ?? Number.NaN;
  const targets = {
    helpWallMs: TARGETS_MS.help, helpMedianWallMs: helpWall, helpMet: helpWall <= TARGETS_MS.help,
    priceWallMs: TARGETS_MS.price, priceMedianWallMs: priceWall, priceMet: priceWall <= TARGETS_MS.price,
  };
  console.log(`\n  targets (compiled, median wall): --help ≤ ${TARGETS_MS.help} ms: ${fmt(helpWall)} ms ${targets.helpMet ? 'met' : 'MISSED'}; price ≤ ${TARGETS_MS.price} ms: ${fmt(priceWall)} ms ${targets.priceMet ? 'met' : 'MISSED'}`);
  console.log(`  load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')} (1, 5, 15 min)`);
  const file = writeResult({
    benchmark: 'cli',
    conditions: {
      runsPerCase: runs,
      warmUpRuns: 1,
      order: 'cases interleaved, one process at a time',
      event: EVENT.trim(),
      cpu: 'user + system time of the child process (process.cpuUsage() at exit, read by a preload that adds ~1 ms)',
      modes: { dist: 'TALLY_RUN=dist: bin/tally.js imports dist/cli/main.js', src: 'TALLY_RUN=src: bin/tally.js registers tsx and imports src/cli/main.ts' },
      loadAverage: { before: loadBefore, after: loadAfter, note: '1, 5 and 15 minutes; other processes shared the machine, and a load above the core count inflates wall time' },
    },
    figures: { ...figures, targets },
  });
  console.log(`written to ${file}`);
}
