/**
 * Issue 10, item 12: a fatal start-up error ends the process with a non-zero
 * exit code and a message that says what to do — it never leaves a process
 * running without a port. Each case runs the real `tally` binary.
 *
 * - `tally start` on a data directory another `tally start` holds;
 * - `tally processor` and `tally api` on a store that was never migrated
 *   (the processor used to start and retry its inserts forever);
 * - `tally start` on a port that is taken.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runTally } from '../../support/cli.js';
import { freePort } from '../../support/ports.js';
import { killAllTally, spawnTally } from '../../support/processes.js';
import { describeWith, serviceUrl, uniqueName } from '../../support/services.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tally-startup-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  killAllTally();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A start-up failure: exits (not killed by the timeout) with 1, within the time, saying `advice`. */
async function expectFatal(args: readonly string[], env: NodeJS.ProcessEnv, advice: RegExp): Promise<string> {
  const started = Date.now();
  const r = await runTally(args, { env: { LOG_LEVEL: 'warn', ...env }, timeoutMs: 90_000 });
  const seconds = (Date.now() - started) / 1000;
  console.log(`tally ${args[0]}: exit ${String(r.code)} after ${seconds.toFixed(1)} s`);
  expect(r.code, `${r.stderr}\n(null: still running after 90 s, killed)`).toBe(1);
  expect(r.stderr).toMatch(advice);
  return r.stderr;
}

describeWith(['kafka', 'redis'], 'fatal start-up errors end the process and say what to do', () => {
  const unmigrated = { TALLY_TOPIC_RAW: `${uniqueName('st')}.raw`, TALLY_TOPIC_DLQ: `${uniqueName('st')}.dlq`, TALLY_TOPIC_ALERTS: `${uniqueName('st')}.alerts`, CLICKHOUSE_URL: '' };

  it('tally start on a data directory another process holds', { timeout: 240_000 }, async () => {
    const dataDir = tempDir();
    const first = spawnTally(['start', '--port', String(await freePort()), '--data-dir', dataDir], { LOG_LEVEL: 'warn', TALLY_API_KEYS: '' });
    await first.waitForLog('tally is running (embedded)', 150_000);
    const stderr = await expectFatal(['start', '--port', String(await freePort()), '--data-dir', dataDir], { TALLY_API_KEYS: '' }, /DATA_DIR_IN_USE/);
    expect(stderr).toMatch(/another process/);
    expect(stderr).toContain('--data-dir');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('tally processor on a store that was never migrated (no Redis)', { timeout: 120_000 }, async () => {
    const stderr = await expectFatal(['processor', '--data-dir', tempDir()], { ...unmigrated, REDIS_URL: '', REDIS_CLUSTER_NODES: '', TALLY_HEALTH_PORT: String(await freePort()), TALLY_GROUP_ID: uniqueName('st-group') }, /STORE_NOT_MIGRATED/);
    expect(stderr).toContain('tally migrate');
  });

  it('tally api on a store that was never migrated', { timeout: 120_000 }, async () => {
    const stderr = await expectFatal(['api', '--data-dir', tempDir(), '--port', String(await freePort()), '--host', '127.0.0.1'], {
      ...unmigrated, REDIS_URL: serviceUrl('redis'), TALLY_REDIS_PREFIX: uniqueName('st'), TALLY_API_KEYS: 'k:admin:*:startup-key-0123456789',
    }, /STORE_NOT_MIGRATED/);
    expect(stderr).toContain('tally migrate');
  });

  it('tally start on a port that is taken', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const stderr = await expectFatal(['start', '--port', String(port), '--data-dir', tempDir()], { TALLY_API_KEYS: '' }, /PORT_IN_USE/);
      expect(stderr).toContain(`127.0.0.1:${port}`);
      expect(stderr).toMatch(/--port/);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
