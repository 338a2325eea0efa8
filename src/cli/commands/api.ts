/**
 * `tally api` — the HTTP API of the distributed deployment: ingest to Kafka
 * (202 once Kafka acknowledged), analytics from the store, budgets and quota
 * from Redis, dashboard, health and metrics. Refuses to start without API
 * keys: only `tally start` may run open, and only on 127.0.0.1. The wiring is
 * runtime/processes/api.ts.
 */
import { startApi } from '../../runtime/processes/api.js';
import { onShutdown } from '../../runtime/shutdown.js';
import { cliContext } from '../context.js';
import { listenOverrides, type ConfigFlags } from '../flags.js';

export interface ApiFlags extends ConfigFlags {
  readonly port?: string;
  readonly host?: string;
}

export async function runApi(flags: ApiFlags): Promise<void> {
  const ctx = cliContext(flags, listenOverrides(flags));
  const api = await startApi(ctx);
  onShutdown(ctx.logger, api.steps);
}
