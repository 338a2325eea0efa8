/**
 * Graceful shutdown: on SIGTERM or SIGINT the given steps run in order (stop
 * taking work, finish or abandon the batch, close connections), bounded by a
 * timeout. A second signal exits at once. SIGKILL loses nothing either: every
 * commit happens after the sinks acknowledged.
 */
import type { Logger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';

export interface ShutdownStep {
  readonly name: string;
  run(): Promise<void>;
}

/** Runs the steps in order; a step that fails is logged and the next ones still run. */
export async function runSteps(logger: Logger, steps: readonly ShutdownStep[]): Promise<void> {
  for (const step of steps) {
    try {
      await step.run();
    } catch (err) {
      logger.warn({ step: step.name, err: errorMessage(err) }, 'shutdown step failed');
    }
  }
}

export function onShutdown(logger: Logger, steps: readonly ShutdownStep[], timeoutMs = 45_000): () => Promise<void> {
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown timed out; exiting');
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      await runSteps(logger, steps);
      clearTimeout(timer);
    })();
    return shuttingDown;
  };
  const handler = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down');
    void shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return shutdown;
}
