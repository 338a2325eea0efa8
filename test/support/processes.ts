/** Child `tally` processes for tests that must kill a real process (SIGKILL) and start it again. */
import { spawn, type ChildProcess } from 'node:child_process';
import { TALLY_BIN } from './cli.js';

export interface TallyProcess {
  readonly child: ChildProcess;
  /** Resolves when a log line contains `marker` (e.g. "processor running"). */
  waitForLog(marker: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<number | string | null>;
  output(): string;
}

const live = new Set<ChildProcess>();

/** Kills every child still running (call in afterAll: a failed or timed-out test must not leave processes behind). */
export function killAllTally(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export function spawnTally(args: readonly string[], env: NodeJS.ProcessEnv): TallyProcess {
  const child = spawn(process.execPath, [TALLY_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let output = '';
  const waiters: { marker: string; resolve: () => void }[] = [];
  const onData = (d: Buffer): void => {
    output += d.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
    for (const w of [...waiters]) {
      if (output.includes(w.marker)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return {
    child,
    exited,
    output: () => output,
    waitForLog(marker, timeoutMs = 60_000) {
      if (output.includes(marker)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${marker}" in ${timeoutMs} ms; output:\n${output.slice(-3000)}`)), timeoutMs);
        waiters.push({ marker, resolve: () => { clearTimeout(timer); resolve(); } });
        void exited.then((code) => { clearTimeout(timer); reject(new Error(`process exited (${String(code)}) before "${marker}"; output:\n${output.slice(-3000)}`)); });
      });
    },
  };
}
