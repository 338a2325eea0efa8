/** CPU time of a piece of benchmark work: on the main thread (JavaScript stages) or of the whole process (engine threads too). */
import { readFileSync } from 'node:fs';

/** CPU ns this thread has run, from /proc (Linux), or null. */
function threadNs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/**
 * CPU µs of `fn` on this (the main) thread where Linux says it, else of the
 * process. The per-record stages are JavaScript on this thread; counting
 * every thread (process.cpuUsage) also counted the chDB engine's background
 * merges of the previous round's inserts into whichever stage ran then —
 * at load 3–7, price 3.6–4.9 µs per event by the process against 1.1–2.0 on
 * the thread, in the same rounds.
 */
export function threadCpuUs(fn: () => void): number {
  const t0 = threadNs();
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  const t1 = threadNs();
  return t0 !== null && t1 !== null ? (t1 - t0) / 1000 : c.user + c.system;
}

/** CPU µs of `fn` in the whole process: every thread, the chDB engine's included. */
export async function processCpuUs(fn: () => Promise<void>): Promise<number> {
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return c.user + c.system;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}
