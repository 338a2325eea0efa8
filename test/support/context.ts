/** A process context for processes a test starts in-process: silent logger, metrics without Node's default collectors. */
import type { TallyConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/logger.js';
import { createMetrics } from '../../src/core/metrics.js';
import { createProcessContext, type ProcessContext } from '../../src/runtime/context.js';

export function testContext(config: TallyConfig): ProcessContext {
  return createProcessContext(config, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
}
