/** `tally migrate` — applies the versioned schema migrations; idempotent. */
import { describeStore, openStore } from '../../runtime/adapters.js';
import { migrate } from '../../store/migrate.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';
import { printJson } from '../output.js';

export interface MigrateFlags extends ConfigFlags {
  readonly cluster?: string;
  readonly retentionMonths?: string;
  readonly json?: boolean;
}

export async function runMigrate(flags: MigrateFlags): Promise<void> {
  const { config, logger } = cliContext(flags);
  const store = await openStore(config, logger);
  try {
    const cluster = flags.cluster ?? config.clickhouse.cluster;
    const result = await migrate(store, {
      ...(cluster ? { cluster } : {}),
      ...(flags.retentionMonths ? { retentionMonths: Number(flags.retentionMonths) } : {}),
      logger,
    });
    if (flags.json) {
      printJson({ store: describeStore(config), ...result });
      return;
    }
    const applied = result.applied.map((m) => `  applied ${String(m.version).padStart(4, '0')} ${m.name}`);
    process.stdout.write(`${describeStore(config)}: ${result.applied.length === 0 ? 'up to date' : `${result.applied.length} migration(s) applied`}\n${applied.join('\n')}${applied.length ? '\n' : ''}`);
  } finally {
    await store.close();
  }
}
