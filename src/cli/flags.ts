/**
 * Flags several commands share, and their types. Loaded by every `tally`
 * run (the registration files use it), so it imports nothing but types.
 */
import type { Command } from 'commander';

export interface ConfigFlags {
  readonly config?: string;
  readonly dataDir?: string;
}

/** Adds `--config FILE` (and optionally `--data-dir DIR`) to a command. */
export function withConfigFlags(command: Command, options: { dataDir?: boolean } = {}): Command {
  command.option('-c, --config <file>', 'config file (YAML or JSON); default TALLY_CONFIG');
  if (options.dataDir) command.option('--data-dir <dir>', 'embedded store directory (default ./.tally or TALLY_DATA_DIR)');
  return command;
}

/** Option parser of repeatable flags: collects every value. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--port` and `--host` as overrides of the config's `api` section. */
export function listenOverrides(flags: { readonly port?: string; readonly host?: string }): Record<string, unknown> {
  if (!flags.port && !flags.host) return {};
  return { api: { ...(flags.port ? { port: Number(flags.port) } : {}), ...(flags.host ? { host: flags.host } : {}) } };
}

/** The subject and scope flags of `tally budgets` and `tally quota` (commands/budgets.ts maps them to dimensions). */
export const DIMENSION_OPTIONS: readonly string[] = [
  '--tenant <id>', '--user <id>', '--group <id>', '--model <model>', '--provider <name>', '--agent <name>', '--feature <name>', '--api-key-id <id>',
];

/** Adds --tenant, --user, … to a command. */
export function withDimensionFlags(command: Command, what: string): Command {
  for (const flag of DIMENSION_OPTIONS) command.option(flag, what);
  return command;
}

/** `--url` and `--api-key` (act through a running API), and the config flags (act on the store and Redis). */
export function withBackendFlags(command: Command): Command {
  return withConfigFlags(
    command
      .option('--url <url>', 'act through a running tally API (e.g. http://127.0.0.1:8787) instead of the store and Redis')
      .option('--api-key <key>', 'API key for --url (default TALLY_API_KEY)'),
    { dataDir: true },
  );
}
