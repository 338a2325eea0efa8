/** Writing benchmark results: figures plus the machine and conditions they were measured under. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  readonly benchmark: string;
  readonly conditions: Readonly<Record<string, unknown>>;
  readonly figures: Readonly<Record<string, unknown>>;
}

export function machine(): Record<string, unknown> {
  const cpu = cpus();
  return { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform };
}

export function writeResult(result: BenchResult): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.benchmark}.json`);
  writeFileSync(file, JSON.stringify({ ...result, machine: machine(), measuredAt: new Date().toISOString() }, null, 2) + '\n');
  return file;
}

/** p-th percentile (0..100) of a sorted array, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** CPU (user + system, every thread of this process) spent running `f`, in ms. */
export function cpuMs(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** CPU (user + system, every thread of this process) spent until `f` settles, in ms — other work of the process in that time included. */
export async function cpuMsAsync(f: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  await f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
