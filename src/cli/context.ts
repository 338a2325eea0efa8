/** What every long-running or store-touching command starts with: config (file, environment, flags), logger, metrics, health. */
import { loadConfig } from '../config/load.js';
import { createProcessContext, type ProcessContext } from '../runtime/context.js';
import type { ConfigFlags } from './flags.js';

export function cliContext(flags: ConfigFlags, overrides: Record<string, unknown> = {}): ProcessContext {
  const config = loadConfig({
    ...(flags.config ? { file: flags.config } : {}),
    overrides: { ...(flags.dataDir ? { dataDir: flags.dataDir } : {}), ...overrides } as never,
  });
  return createProcessContext(config);
}
