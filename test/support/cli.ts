/**
 * Runs the real `tally` binary (bin/tally.js) as a user would, capturing its
 * output. It runs dist/ when that is built and up to date with src/ (as after
 * `npm ci`), else the sources through tsx; TALLY_RUN=dist|src in `env` forces
 * one (see bin/entry.js).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TALLY_BIN = fileURLToPath(new URL('../../bin/tally.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runTally(args: readonly string[], options: { stdin?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; bin?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? TALLY_BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
