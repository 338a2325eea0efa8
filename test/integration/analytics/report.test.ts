/**
 * `tally report`, the real binary (bin/tally.js), against an embedded chDB
 * data directory filled here, and against a running API (--url): the table's
 * totals row equals the service's summary, --json and --csv parse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import { insertPricedEvents } from '../../../src/store/events.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { createAnalyticsService } from '../../../src/analytics/service.js';
import type { BreakdownResult, FullSummaryResult } from '../../../src/analytics/types.js';
import { fullSummary } from '../../../src/analytics/results/summary.js';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { formatUsdFixed, parseUsd } from '../../../src/core/money.js';
import { thousands } from '../../../src/cli/output.js';
import { runTally } from '../../support/cli.js';
import { mixedEvents } from '../../support/store-fixtures.js';
import { analyticsDataset } from './dataset.js';

const dir = mkdtempSync(join(tmpdir(), 'tally-report-'));
const chdbDir = join(dir, 'chdb'); // where `--data-dir dir` puts the embedded store
const env = { CLICKHOUSE_URL: '', TALLY_CONFIG: '', LOG_LEVEL: 'warn' };
const READ_KEY = 'sk_acme_read_report_0123456789';

let store: AnalyticsStore | undefined;

async function openLocal(): Promise<AnalyticsStore> {
  store ??= await createChdbStore({ dataDir: chdbDir, database: 'tally' });
  return store;
}

/** Frees the directory for the binary: chDB serves one process at a time. */
async function closeLocal(): Promise<void> {
  await store?.close();
  store = undefined;
}

beforeAll(async () => {
  const s = await openLocal();
  await migrate(s, {});
  await insertPricedEvents(s, [...analyticsDataset(Date.now()).events.filter((e) => Date.parse(e.event.occurred_at) > Date.now() - 20 * 86_400_000), ...mixedEvents('acme', 120, 'mx')]);
  await closeLocal();
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Column cells of a rendered table line, cut where the rule line's dashes are. */
function cells(line: string, rule: string): string[] {
  const out: string[] = [];
  const re = /-+/g;
  for (let m = re.exec(rule); m !== null; m = re.exec(rule)) out.push(line.slice(m.index, m.index + m[0].length).trim());
  return out;
}

const usd = (amount: string): string => `$${thousands(formatUsdFixed(parseUsd(amount), 4))}`;

describe('tally report (real binary)', () => {
  let json: BreakdownResult;

  it('--by model --since 30d prints an aligned table whose totals row equals the summary; --json and --csv parse', async () => {
    const table = await runTally(['report', '--data-dir', dir, '--by', 'model', '--since', '30d'], { env });
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    const jsonRun = await runTally(['report', '--data-dir', dir, '--by', 'model', '--since', '30d', '--json'], { env });
    expect(jsonRun.code).toBe(0);
    json = JSON.parse(jsonRun.stdout) as BreakdownResult;
    const csvRun = await runTally(['report', '--data-dir', dir, '--by', 'model', '--since', '30d', '--csv'], { env });
    expect(csvRun.code).toBe(0);

    // The service's own summary over the very range the binary used.
    const summary: FullSummaryResult = fullSummary(await createAnalyticsService(await openLocal()).summary({ from: json.range.from, to: json.range.to }, null));
    await closeLocal();
    expect(summary.totals.events).toBeGreaterThan(100);
    expect(json.totals).toEqual(summary.totals);

    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^usage .* → .* \(UTC\) · chDB /);
    const [header, rule] = [lines[2]!, lines[3]!];
    expect(cells(header, rule)).toEqual(['model', 'requests', 'input', 'cached', 'output', 'reasoning', 'tokens', 'cost', 'cache savings', 'unpriced', 'errors']);
    const body = lines.slice(4);
    const ruleAt = body.indexOf(rule);
    expect(ruleAt).toBe(body.length - 2);
    for (const line of body) expect(line.length, line).toBe(rule.length); // right-aligned to the same edge
    const rows = body.slice(0, ruleAt).map((l) => cells(l, rule));
    expect(rows.map((r) => r[0])).toEqual(json.rows.map((r) => r.model));
    const total = cells(body.at(-1)!, rule);
    const t = summary.totals;
    expect(total).toEqual([
      'total',
      thousands(String(t.requests)),
      thousands(String(t.input_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens + t.audio_input_tokens + t.image_input_tokens)),
      thousands(String(t.cached_input_tokens)),
      thousands(String(t.output_tokens + t.audio_output_tokens + t.image_output_tokens)),
      thousands(String(t.reasoning_tokens)),
      thousands(String(t.total_tokens)),
      usd(t.cost_total),
      usd(t.cache_savings),
      thousands(String(t.unpriced_events)),
      thousands(String(t.error_events)),
    ]);
    expect(total[6]).toMatch(/^\d{1,3}(,\d{3})+$/);

    const csv = csvRun.stdout.trimEnd().split('\n').map((l) => l.split(','));
    const head = csv[0]!;
    expect(head.slice(0, 3)).toEqual(['model', 'events', 'requests']);
    const col = (name: string): number => head.indexOf(name);
    expect(csv.slice(1).map((r) => r[0])).toEqual(json.rows.map((r) => r.model));
    const sumCost = csv.slice(1).reduce((s, r) => s + parseUsd(r[col('cost_total')]!), 0n);
    expect(sumCost).toBe(parseUsd(t.cost_total));
    expect(csv.slice(1).reduce((s, r) => s + Number(r[col('total_tokens')]), 0)).toBe(t.total_tokens);
  });

  it('without --by prints the summary by model with its totals; bad flags name the field and exit 1', async () => {
    const res = await runTally(['report', '--data-dir', dir, '--since', 'this-month', '--tz', 'America/New_York', '--json'], { env });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const text = await runTally(['report', '--data-dir', dir], { env });
    expect(text.stdout).toMatch(/^model +events +requests +tokens +cost +cache savings$/m);
    expect(text.stdout).toMatch(/^total +[\d,]+ +[\d,]+ +[\d,]+ +\$[\d,]+\.\d{4} +\$[\d,]+\.\d{4}$/m);
    const summary = JSON.parse(res.stdout) as FullSummaryResult;
    expect(summary.range.tz).toBe('America/New_York');
    expect(summary.range.from).toMatch(/-01T00:00:00-0[45]:00$/);
    const bad = await runTally(['report', '--data-dir', dir, '--by', 'colour', '--json'], { env });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'by[0]' }] } });
  });

  describe('against a running API (--url)', () => {
    let app: FastifyInstance;
    let url: string;
    beforeAll(async () => {
      app = await createApp({
        logger: silentLogger(),
        metrics: createMetrics({ defaultMetrics: false }),
        health: new HealthState(),
        keyring: new ApiKeyring([{ id: 'acme-read', key: READ_KEY, tenant: 'acme', role: 'read' }]),
        openAccess: false,
        bodyLimitBytes: 1024,
        services: { analytics: createAnalyticsService(await openLocal()) },
      });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await app.close();
    });

    it('reads the key tenant’s usage over HTTP, and a foreign --tenant is FORBIDDEN', async () => {
      const res = await runTally(['report', '--url', url, '--api-key', READ_KEY, '--by', 'model_key,user_id', '--top', '5', '--since', '7d', '--json'], { env });
      expect(res.stderr).toBe('');
      const result = JSON.parse(res.stdout) as BreakdownResult;
      const summary = await createAnalyticsService(await openLocal()).summary({ from: result.range.from, to: result.range.to }, 'acme');
      expect(result.totals).toEqual(summary.totals);
      expect(result.rows.length).toBeLessThanOrEqual(5);
      const forbidden = await runTally(['report', '--url', url, '--api-key', READ_KEY, '--tenant', 'globex'], { env });
      expect(forbidden.code).toBe(1);
      expect(forbidden.stderr).toMatch(/FORBIDDEN/);
    });
  });
});
