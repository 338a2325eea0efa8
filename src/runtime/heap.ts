/**
 * Bounds V8's heap growth in the long-running processes (`tally processor`,
 * `tally start`; issue 12: RSS ≤ 300 MB for the processor). V8 sizes the next
 * collection's trigger from what the last full collection kept, by a factor
 * up to 4 when the machine has memory to spare, so a processor whose live
 * heap is 40–80 MB sat at 365–450 MiB RSS. --heap-growing-percent fixes that
 * factor; unlike --max-old-space-size it can be set once the process runs
 * (no second process to start, nothing to forward signals to) and it is not
 * a limit the process dies at. Measured: bench/pipeline-memory.ts.
 */
import { setFlagsFromString } from 'node:v8';

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * The V8 flag to set for `percent`, or null: 0 leaves V8's heuristics, and a
 * --heap-growing-percent among `nodeFlags` (NODE_OPTIONS, node's own
 * arguments) is the operator's choice and wins.
 */
export function heapGrowthFlag(percent: number, nodeFlags: readonly string[]): string | null {
  if (percent <= 0) return null;
  if (nodeFlags.some((f) => FLAG.test(f))) return null;
  return `--heap-growing-percent=${Math.round(percent)}`;
}

/** The node flags this process was started with: its own arguments and NODE_OPTIONS. */
export function nodeFlags(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): string[] {
  return [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
}

/** Sets the heap growth bound for this process (see heapGrowthFlag); returns the flag set, or null. */
export function boundHeapGrowth(percent: number): string | null {
  const flag = heapGrowthFlag(percent, nodeFlags());
  if (flag !== null) setFlagsFromString(flag);
  return flag;
}
