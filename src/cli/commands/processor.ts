/**
 * `tally processor` — a consumer-group member: usage.raw → DLQ / analytics
 * store / counters, committing only after the sinks acknowledged. Serves
 * /healthz, /readyz and /metrics on processor.healthPort. Run as many as the
 * raw topic has partitions. The wiring is runtime/processes/processor.ts.
 */
import { startProcessor } from '../../runtime/processes/processor.js';
import { onShutdown } from '../../runtime/shutdown.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';

export async function runProcessor(flags: ConfigFlags): Promise<void> {
  const ctx = cliContext(flags);
  const processor = await startProcessor(ctx);
  onShutdown(ctx.logger, processor.steps);
}
