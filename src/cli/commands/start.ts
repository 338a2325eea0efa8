/**
 * `tally start` — everything in one process on one machine: ingest, processor,
 * API and dashboard, with the embedded chDB store under --data-dir and the
 * in-process event log (runtime/processes/embedded.ts). With no API keys
 * configured it listens on 127.0.0.1 only and accepts requests without a key
 * — and says so.
 */
import { startDemo } from '../../demo/driver.js';
import { component } from '../../core/logger.js';
import { buildPricer, chdbDataDir } from '../../runtime/adapters.js';
import { startEmbedded } from '../../runtime/processes/embedded.js';
import { onShutdown } from '../../runtime/shutdown.js';
import { cliContext } from '../context.js';
import { listenOverrides, type ConfigFlags } from '../flags.js';

export interface StartFlags extends ConfigFlags {
  readonly port?: string;
  readonly host?: string;
  readonly demo?: boolean;
  readonly demoRate: string;
}

export async function runStart(flags: StartFlags): Promise<void> {
  const ctx = cliContext(flags, {
    ...listenOverrides(flags),
    // The embedded mode is self-contained: chDB and in-memory counters. A configured
    // ClickHouse URL or Redis belongs to the distributed processes.
    clickhouse: { url: undefined },
    redis: { url: undefined, clusterNodes: undefined },
  });
  const { config, logger } = ctx;
  const embedded = await startEmbedded(ctx);
  if (embedded.openAccess) {
    const line = '!'.repeat(78);
    process.stderr.write(
      `${line}\n! No API keys configured (TALLY_API_KEYS or api.keys): listening on 127.0.0.1 ONLY,\n! and every request is accepted WITHOUT a key, as an all-tenant admin.\n! Configure keys before exposing tally to anyone else.\n${line}\n`,
    );
  }
  let stopDemo = (): void => undefined;
  if (flags.demo) {
    stopDemo = await startDemo({
      ingest: embedded.ingest,
      producer: embedded.log.producer(),
      rawTopic: embedded.topics.raw.name,
      logger: component(logger, 'demo'),
      rate: Number(flags.demoRate),
      storeIsEmpty: !(await embedded.store.events.any()),
      pricer: buildPricer(config),
      budgets: {
        async put(id, budget) {
          await embedded.budgets.admin.repository.put(id, budget);
          await embedded.budgets.admin.changed([id]);
        },
      },
    });
  }
  process.stdout.write(
    [
      `tally is running (embedded): ${embedded.url}`,
      `  dashboard   ${embedded.url}/`,
      `  ingest      POST ${embedded.url}/v1/events`,
      `  API docs    ${embedded.url}/openapi.json`,
      `  health      ${embedded.url}/readyz   metrics ${embedded.url}/metrics`,
      `  data        ${chdbDataDir(config)}`,
      flags.demo ? '  demo        traffic flowing; stop with Ctrl-C (data is kept)' : '  stop with Ctrl-C (data is kept)',
      '',
    ].join('\n'),
  );
  onShutdown(logger, [{ name: 'demo', run: async () => stopDemo() }, ...embedded.steps]);
}
