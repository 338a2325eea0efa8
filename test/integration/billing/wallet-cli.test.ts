/**
 * `tally wallet grant|show|ledger|alerts` on the configured store (chDB under
 * --data-dir), with --json, as a user runs them: a grant stored, the wallet
 * and the ledger read back, a refused grant (exit 1, WALLET_GRANT_INVALID
 * with the field). Five runs of the binary, about 2.5 s each compiled.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTally } from '../../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tally-wallet-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = ['--data-dir', join(dir, 'data')];
const parse = (stdout: string): Record<string, unknown> => JSON.parse(stdout) as Record<string, unknown>;

describe('tally wallet', () => {
  it('grants, shows the balance and the ledger, and refuses an invalid grant with the field', { timeout: 90_000 }, async () => {
    expect((await runTally(['migrate', ...data])).code).toBe(0);
    const customer = ['--tenant', 'acme', '--user', 'u/42'];
    const granted = await runTally(['wallet', 'grant', ...data, ...customer, '--amount', '12.50', '--id', 'p1', '--priority', '2', '--effective-from', '2026-01-01T00:00:00Z', '--source', 'promotion', '--json']);
    expect(granted.code, granted.stderr).toBe(0);
    expect(parse(granted.stdout)).toMatchObject({ id: 'p1', tenant: 'acme', user: 'u/42', amount: '12.5', priority: 2, source: 'promotion', expires_at: null });

    const refused = await runTally(['wallet', 'grant', ...data, ...customer, '--amount', '0', '--json']);
    expect(refused.code).toBe(1);
    expect(parse(refused.stdout)).toMatchObject({ error: { code: 'WALLET_GRANT_INVALID', details: { errors: [{ path: 'amount' }] } } });

    const shown = parse((await runTally(['wallet', 'show', ...data, ...customer, '--json'])).stdout);
    expect(shown).toMatchObject({ balance: '12.5', granted: '12.5', grants: [{ id: 'p1', status: 'live', remaining: '12.5' }], enforcement: null });
    // Low-balance amounts are set on the wallet's budget, which only the API process makes (it also fills the
    // budget's counters): with none running yet, the command says so instead of writing a budget half-made.
    const alerts = await runTally(['wallet', 'alerts', ...data, ...customer, '--below', '10,1', '--json']);
    expect(alerts.code).toBe(1);
    expect(parse(alerts.stdout)).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.stringContaining('--url') } });

    const ledger = await runTally(['wallet', 'ledger', ...data, ...customer]);
    expect(ledger.code, ledger.stderr).toBe(0);
    expect(ledger.stdout).toMatch(/grant\s+p1\s+\+12\.5\s+12\.5/);
    expect(ledger.stdout).toContain('closing balance 12.5 USD');
  });
});
