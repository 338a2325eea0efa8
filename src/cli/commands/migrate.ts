/** `tally migrate` — applies the versioned schema migrations; idempotent. */
import { describeStore, openStore } from '../../runtime/adapters.js';
import { DEFAULT_RETENTION_MONTHS, migrate, renderAllMigrations } from '../../store/migrate.js';
import { TallyError } from '../../core/errors.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';
import { printJson } from '../output.js';

export interface MigrateFlags extends ConfigFlags {
  readonly cluster?: string;
  readonly retentionMonths?: string;
  readonly shards?: boolean;
  readonly print?: boolean;
  readonly json?: boolean;
}

export async function runMigrate(flags: MigrateFlags): Promise<void> {
  const { config, logger } = cliContext(flags);
  const cluster = flags.cluster ?? config.clickhouse.cluster;
  const shards = flags.shards ?? config.clickhouse.shards;
  if (shards && !cluster) throw new TallyError('CONFIG_INVALID', '--shards needs a cluster: give --cluster NAME or set clickhouse.cluster');
  const retentionMonths = flags.retentionMonths ? Number(flags.retentionMonths) : undefined;
  if (flags.print) {
    const statements = renderAllMigrations({
      database: config.clickhouse.database,
      retentionMonths: retentionMonths ?? config.clickhouse.retentionMonths ?? DEFAULT_RETENTION_MONTHS,
      ...(cluster ? { cluster } : {}),
      ...(shards ? { shards: true } : {}),
    });
    if (flags.json) printJson({ layout: shards ? 'sharded' : cluster ? 'replicated' : 'single', statements });
    else process.stdout.write(statements.map((s) => `${s};\n`).join('\n'));
    return;
  }
  const store = await openStore(config, logger);
  try {
    const result = await migrate(store, {
      ...(cluster ? { cluster } : {}),
      ...(shards ? { shards: true } : {}),
      ...(retentionMonths !== undefined ? { retentionMonths } : {}),
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
