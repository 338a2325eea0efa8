/** What every long-running or store-touching command starts with: config, logger, metrics, health. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { createProcessContext, type ProcessContext } from '../runtime/context.js';

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

export function cliContext(flags: ConfigFlags, overrides: Record<string, unknown> = {}): ProcessContext {
  const config = loadConfig({
    ...(flags.config ? { file: flags.config } : {}),
    overrides: { ...(flags.dataDir ? { dataDir: flags.dataDir } : {}), ...overrides } as never,
  });
  return createProcessContext(config);
}
