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

export function createProcessContext(config: TallyConfig): ProcessContext {
  const logger = createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  const health = new HealthState((ready) => metrics.ready.set(ready ? 1 : 0));
  return { config, logger, metrics, health };
}
