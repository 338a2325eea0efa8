/** What every process starts with: its validated config, the root logger, metrics and health. */
import { HealthState } from '../core/health.js';
import { createLogger, type Logger } from '../core/logger.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
import type { TallyConfig } from '../config/schema.js';

export interface ProcessContext {
  readonly config: TallyConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health: HealthState;
}

export interface ProcessContextOptions {
  /** Default: a pino logger at `config.logLevel`. */
  readonly logger?: Logger;
  /** Default: a registry with Node's default process metrics. */
  readonly metrics?: Metrics;
}

/** The context of one process; readiness changes set the tally_ready gauge. */
export function createProcessContext(config: TallyConfig, options: ProcessContextOptions = {}): ProcessContext {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const metrics = options.metrics ?? createMetrics();
  const health = new HealthState({ onChange: (ready) => metrics.ready.set(ready ? 1 : 0) });
  return { config, logger, metrics, health };
}
