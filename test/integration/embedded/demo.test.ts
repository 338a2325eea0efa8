/** The README's run command: `tally start --demo` as a real process; the API shows the demo traffic within seconds. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllTally, spawnTally } from '../../support/processes.js';
import { freePort } from '../../support/ports.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-demo-'));
afterAll(() => {
  killAllTally();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('tally start --demo', () => {
  it('serves demo traffic through the API within seconds, with budgets and quota working', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const tally = spawnTally(['start', '--demo', '--port', String(port), '--data-dir', dataDir], { TALLY_API_KEYS: '', LOG_LEVEL: 'warn' });
    await tally.waitForLog('tally is running (embedded)', 90_000);
    const api = `http://127.0.0.1:${port}`;
    expect(tally.output()).toContain('No API keys configured');

    const started = Date.now();
    let summary: { totals: { events: number; cost_total: string } } | undefined;
    while (Date.now() - started < 30_000) {
      const res = await fetch(`${api}/v1/usage/summary`);
      if (res.ok) {
        summary = (await res.json()) as typeof summary;
        if (summary && Number(summary.totals.events) > 1000) break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(Number(summary?.totals.events)).toBeGreaterThan(1000);
    expect(Number(summary?.totals.cost_total)).toBeGreaterThan(0);

    const created = await fetch(`${api}/v1/budgets`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'acme-monthly', name: 'acme monthly', metric: 'cost', limit: '0.01', period: 'monthly', scope: { tenant: 'acme' }, enforcement: 'hard' }),
    });
    expect(created.status).toBe(201);
    const check = await fetch(`${api}/v1/quota/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject: { tenant: 'acme' } }) });
    // The demo has spent far more than $0.01 for acme this month (the budget sees earlier spend): refused.
    expect(check.status).toBe(429);
    expect(Number(check.headers.get('retry-after'))).toBeGreaterThan(0);
    tally.child.kill('SIGTERM');
    expect(await tally.exited).toBe(0);
  });
});
