/**
 * `tally migrate --print`: the layout's statements without connecting to any
 * store — single node, replicated (--cluster) and sharded (--cluster --shards).
 */
import { describe, expect, it } from 'vitest';
import { renderAllMigrations } from '../../../src/store/migrate.js';
import { runTally } from '../../support/cli.js';

describe('tally migrate --print', () => {
  it('prints the sharded layout as SQL, and as JSON with --json', async () => {
    const layout = { database: 'tally', cluster: 'c1', retentionMonths: 13, shards: true };
    const text = await runTally(['migrate', '--print', '--cluster', 'c1', '--shards'], { env: { CLICKHOUSE_URL: 'http://127.0.0.1:1' } });
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(renderAllMigrations(layout).map((s) => `${s};\n`).join('\n'));
    const json = await runTally(['migrate', '--print', '--json', '--cluster', 'c1', '--shards']);
    expect(JSON.parse(json.stdout)).toEqual({ layout: 'sharded', statements: renderAllMigrations(layout) });
    const single = await runTally(['migrate', '--print', '--json']);
    expect(JSON.parse(single.stdout)).toMatchObject({ layout: 'single' });
  });

  it('refuses --shards without a cluster, saying what to give', async () => {
    const res = await runTally(['migrate', '--print', '--shards']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('--shards needs a cluster');
  });
});
