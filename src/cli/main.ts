/**
 * The `tally` command line. Each command declares its flags in
 * src/cli/register/<name>.ts and does its work in src/cli/commands/<name>.ts,
 * imported when it runs; this file only assembles them and maps errors to
 * exit codes: 0 ok, 1 failure (or some input was bad), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './register/index.js';
import { reportFatal } from './output.js';

/** tally's own version: package.json is two levels up from src/cli/ and from dist/cli/ (npm_package_version is the calling project's under npx). */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(): Command {
  const program = new Command('tally')
    .description('Meter LLM usage: normalize, price exactly, store in ClickHouse, enforce budgets from Redis.')
    .version(packageVersion(), '-v, --version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** How long a one-shot command's finished process may wait for its clients to let go before it exits anyway, ms. */
const IDLE_EXIT_MS = 5_000;

/**
 * A one-shot command is over: the process ends when nothing is left open.
 * A client library that keeps a handle (a Redis Cluster connection still
 * reconnecting, a subscriber) must not keep it alive: after a grace period
 * it exits with the command's code, saying why.
 */
function exitOnceIdle(): void {
  setTimeout(() => {
    process.stderr.write(`tally: a connection was still open ${IDLE_EXIT_MS / 1000} s after the command finished; exiting\n`);
    process.exit(process.exitCode ?? 0);
  }, IDLE_EXIT_MS).unref();
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
    // A command that serves until a signal (start, api, processor) has installed its SIGTERM handler (runtime/shutdown.ts).
    if (process.listenerCount('SIGTERM') === 0) exitOnceIdle();
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    reportFatal(err, argv.includes('--json'));
    process.exitCode = 1;
    // The command is over: whatever a failed start left open (a client still reconnecting) must not keep the process alive.
    setTimeout(() => process.exit(1), 1_000).unref();
  }
}

await main(process.argv);
