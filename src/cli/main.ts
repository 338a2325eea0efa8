/**
 * The `tally` command line. Each command declares its flags in
 * src/cli/register/<name>.ts and does its work in src/cli/commands/<name>.ts,
 * imported when it runs; this file only assembles them and maps errors to
 * exit codes: 0 ok, 1 failure (or some input was bad), 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './register/index.js';
import { reportFatal } from './output.js';

export function buildProgram(): Command {
  const program = new Command('tally')
    .description('Meter LLM usage: normalize, price exactly, store in ClickHouse, enforce budgets from Redis.')
    .version(process.env.npm_package_version ?? '0.1.0', '-v, --version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    reportFatal(err, argv.includes('--json'));
    process.exitCode = 1;
  }
}

await main(process.argv);
