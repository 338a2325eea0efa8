import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { TallyError } from '../../../src/core/errors.js';

function file(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tally-config-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadConfig', () => {
  it('applies documented defaults with no file and no env', () => {
    const c = loadConfig({ env: {} });
    expect(c.topics).toMatchObject({ raw: 'usage.raw', dlq: 'usage.dlq', alerts: 'usage.alerts', rawPartitions: 12 });
    expect(c.api.port).toBe(8787);
    expect(c.clickhouse.retentionMonths).toBe(13);
    expect(c.clickhouse.url).toBeUndefined();
    expect(c.budgets.dedupWindowHours).toBe(24);
  });

  it('bounds memory by default and reads the memory settings from the environment (issue 12)', () => {
    const d = loadConfig({ env: {} });
    expect(d.processor.heapGrowthPercent).toBe(50);
    expect(d.clickhouse.embeddedServerSettings).toEqual({});
    const c = loadConfig({ env: { TALLY_HEAP_GROWTH_PERCENT: '0', TALLY_CHDB_SERVER_SETTINGS: 'mark_cache_size=1073741824, merge_tree.old_parts_lifetime=60,x=text' } });
    expect(c.processor.heapGrowthPercent).toBe(0);
    expect(c.clickhouse.embeddedServerSettings).toEqual({ mark_cache_size: 1073741824, 'merge_tree.old_parts_lifetime': 60, x: 'text' });
    expect(() => loadConfig({ env: { TALLY_CHDB_SERVER_SETTINGS: 'mark_cache_size' } })).toThrow(/clickhouse\.embeddedServerSettings/);
    expect(() => loadConfig({ env: { TALLY_HEAP_GROWTH_PERCENT: '-5' } })).toThrow(/processor\.heapGrowthPercent/);
  });

  it('layers env over a YAML file', () => {
    const path = file('tally.yaml', 'api:\n  port: 9000\nkafka:\n  brokers: [a:1]\n');
    const c = loadConfig({ file: path, env: { KAFKA_BROKERS: 'b:2, c:3', TALLY_API_KEYS: 'ci:ingest:acme:sk_test_0123456789abcdef' } });
    expect(c.api.port).toBe(9000);
    expect(c.kafka.brokers).toEqual(['b:2', 'c:3']);
    expect(c.api.keys).toEqual([{ id: 'ci', role: 'ingest', tenant: 'acme', key: 'sk_test_0123456789abcdef' }]);
  });

  it('reports every mistake with its path and its source', () => {
    const path = file('tally.json', JSON.stringify({ api: { port: 70000 }, pricing: { reportedCost: 'sometimes' } }));
    let caught: unknown;
    try {
      loadConfig({ file: path, env: { TALLY_API_KEYS: 'x:superuser:acme:short' } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TallyError);
    const err = caught as TallyError;
    expect(err.code).toBe('CONFIG_INVALID');
    const errors = err.details.errors as { path: string; reason: string }[];
    const paths = errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['api.port', 'pricing.reportedCost', 'api.keys.0.key', 'api.keys.0.role']));
    expect(errors.find((e) => e.path === 'api.port')?.reason).toMatch(/from file .*tally\.json/);
    expect(errors.find((e) => e.path === 'api.keys.0.key')?.reason).toMatch(/at least 16 characters \(from env TALLY_API_KEYS\)/);
  });

  it('says which file could not be read or parsed', () => {
    expect(() => loadConfig({ file: '/nonexistent/tally.yaml', env: {} })).toThrowError(/cannot read config file \/nonexistent\/tally.yaml/);
    expect(() => loadConfig({ file: file('bad.yaml', 'api: [unclosed'), env: {} })).toThrowError(/not valid YAML\/JSON/);
  });
});
