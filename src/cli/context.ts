/** What every long-running or store-touching command starts with: config, logger, metrics, health. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { TallyConfig } from '../config/schema.js';
import { HealthState } from '../core/health.js';
import { createLogger, type Logger } from '../core/logger.js';
import { createMetrics, type Metrics } from '../core/metrics.js';

export interface CliContext {
  readonly config: TallyConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health: HealthState;
}

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

export function cliContext(flags: ConfigFlags, overrides: Record<string, unknown> = {}): CliContext {
  const config = loadConfig({
    ...(flags.config ? { file: flags.config } : {}),
    overrides: { ...(flags.dataDir ? { dataDir: flags.dataDir } : {}), ...overrides } as never,
  });
  const logger = createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const health = new HealthState((ready) => metrics.ready.set(ready ? 1 : 0));
  return { config, logger, metrics, health };
}
