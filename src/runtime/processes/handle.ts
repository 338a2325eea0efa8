/**
 * What every process start function returns, and the two things they share:
 * binding the HTTP server, and closing whatever was opened when a start fails
 * half-way (so a test or a retry does not leak connections).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../core/logger.js';
import { runSteps, type ShutdownStep } from '../shutdown.js';

export interface ProcessHandle {
  /** Base URL of the process's HTTP server (the API, or the processor's health server). */
  readonly url: string;
  /** The port it is bound to (the real one when the config asked for 0). */
  readonly port: number;
  /** What `close()` runs, in order; `tally` hands them to its signal handler. */
  readonly steps: readonly ShutdownStep[];
  /** Stops the process: runs `steps` in order; a failing step is logged and the rest still run. */
  close(): Promise<void>;
}

export interface Listening {
  readonly url: string;
  readonly port: number;
}

/** Binds the app and says where it listens. */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<Listening> {
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return { url: `http://${host}:${bound}`, port: bound };
}

/**
 * Runs a start; when it throws, the shutdown steps run (each guarding what
 * was not opened yet) before the error goes on — as `explain` words it for
 * the user (startup-errors.ts).
 */
export async function starting<T>(logger: Logger, steps: readonly ShutdownStep[], start: () => Promise<T>, explain: (err: unknown) => unknown = (err) => err): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await runSteps(logger, steps);
    throw explain(err);
  }
}
