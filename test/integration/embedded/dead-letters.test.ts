/**
 * Issue #10, item 2, in the embedded mode (`tally start`):
 *   - dead letters survive a restart: the direct log kept usage.dlq in
 *     memory only; they are now in the store (`store.deadLetters`);
 *   - `tally replay --from-dlq --embedded` re-processes them after a fix,
 *     storing each valid event once and keeping the still invalid ones;
 *   - raw offsets continue past dead-lettered records across restarts;
 *   - an event the catalog prices beyond the per-event maximum is refused by
 *     the HTTP ingest (400 naming the amount), not answered 202 and then
 *     dead-lettered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { startEmbedded, type Embedded } from '../../../src/runtime/processes/embedded.js';
import { RECEIVED_AT_HEADER } from '../../../src/pipeline/price-event.js';
import { testContext } from '../../support/context.js';
import { REPAIRED_ROLLUPS } from '../../../src/store/queries/rollup-tables.js';
import { runTally } from '../../support/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-embedded-dlq-'));
const priceFile = join(dataDir, 'absurd-prices.json');
writeFileSync(priceFile, JSON.stringify({ format: 'tally.prices.v1', models: [{ key: 'acme/absurd', prices: [{ effective_from: '2020-01-01', source: 'a test catalog gone wrong', per_million: { input: '1000000000000' } }] }] }));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function start(env: Record<string, string> = {}): Promise<Embedded> {
  const config = loadConfig({ env, overrides: { dataDir, api: { host: '127.0.0.1', port: 0 }, pricing: { priceFiles: [priceFile] } } });
  return startEmbedded(testContext(config));
}

const event = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  event_id: id, tenant: 'acme', provider: 'anthropic', model: 'claude-3-haiku-20240307', usage: { input_tokens: 4_000_000, output_tokens: 0 }, ...extra,
});

async function rawCount(e: Embedded, ids: readonly string[]): Promise<number> {
  const [row] = await e.store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events FINAL WHERE sign = 1 AND event_id IN {ids:Array(String)}', params: { ids: [...ids] } });
  return Number(row?.n ?? 0);
}

describe('tally start: dead letters', () => {
  it('keeps dead letters across a restart and replays them after a fix, each valid event stored once', { timeout: 120_000 }, async () => {
    const now = Date.now();
    const future = new Date(now + 30 * 3_600_000).toISOString();
    const first = await start();
    try {
      // Records the processor refuses, as a producer writing the raw topic directly would send them.
      const producer = first.log.producer();
      const headers = { [RECEIVED_AT_HEADER]: new Date(now).toISOString() };
      await producer.send(first.topics.raw.name, [
        { key: 'acme', value: '{not json', headers },
        { key: 'acme', value: JSON.stringify(event('later', { occurred_at: future })), headers },
        { key: 'acme', value: JSON.stringify(event('fine')), headers },
      ]);
      await producer.close();
      expect(await first.store.deadLetters.counts()).toEqual({ pending: 2, replayed: 0 });
      expect(await rawCount(first, ['fine', 'later'])).toBe(1);
    } finally {
      await first.close();
    }

    const second = await start();
    let deadOffsets: string[];
    try {
      const letters = await second.store.deadLetters.pending();
      expect(letters.map((l) => l.code).sort()).toEqual(['INVALID_JSON', 'VALIDATION_FAILED']);
      expect(letters.find((l) => l.code === 'VALIDATION_FAILED')?.errors).toContain('occurred_at');
      expect(letters.find((l) => l.code === 'INVALID_JSON')?.value.toString()).toBe('{not json');
      deadOffsets = letters.map((l) => l.source.offset);
      // New records get offsets past the dead-lettered ones: no two records share a position.
      const producer = second.log.producer();
      await producer.send(second.topics.raw.name, [{ key: 'acme', value: JSON.stringify(event('after-restart')), headers: { [RECEIVED_AT_HEADER]: new Date().toISOString() } }]);
      await producer.close();
      const [row] = await second.store.sql.query<{ o: string }>({ sql: "SELECT toString(source_offset) AS o FROM usage_events WHERE event_id = 'after-restart'" });
      expect(BigInt(row?.o ?? '-1')).toBeGreaterThan(deadOffsets.map(BigInt).reduce((a, b) => (a > b ? a : b)));
    } finally {
      await second.close();
    }

    // The fix: accept events up to 48 hours ahead. The replay stores `later`; `{not json` stays a dead letter.
    const env = { TALLY_DATA_DIR: dataDir, TALLY_MAX_FUTURE_HOURS: '48', CLICKHOUSE_URL: '' };
    const replay = await runTally(['replay', '--from-dlq', '--embedded', '--json'], { env });
    expect(replay.code, replay.stderr).toBe(1); // one letter is still invalid
    expect(JSON.parse(replay.stdout)).toMatchObject({ mode: 'from-dlq-embedded', read: 2, stored: 1, still_invalid: 1 });
    const again = await runTally(['replay', '--from-dlq', '--embedded', '--json'], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ read: 1, stored: 0, still_invalid: 1 });

    const third = await start({ TALLY_MAX_FUTURE_HOURS: '48' });
    try {
      expect(await rawCount(third, ['later'])).toBe(1);
      expect(await third.store.deadLetters.counts()).toEqual({ pending: 1, replayed: 1 });
      const compared = await third.store.rollups.compare({ since: null });
      expect(compared.tables.map((t) => [t.id, t.keys])).toEqual(REPAIRED_ROLLUPS.map((id) => [id, 0]));
    } finally {
      await third.close();
    }
  });

  it('refuses at the HTTP ingest an event the catalog prices beyond the per-event maximum (not 202, then a dead letter)', async () => {
    const e = await start();
    try {
      const res = await fetch(`${e.url}/v1/events`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event('absurd', { provider: 'acme', model: 'absurd', usage: { input: 10_000 } })),
      });
      const body = (await res.json()) as { error: { code: string; details: { errors: { path: string; reason: string }[] } } };
      expect(res.status).toBe(400);
      expect(body.error.code).toBe('MONEY_INVALID');
      expect(body.error.details.errors[0]).toEqual({ path: 'usage', reason: expect.stringMatching(/^is priced at 10000000000 USD, more than the 1000000000 USD/) });
      expect(await rawCount(e, ['absurd'])).toBe(0);
    } finally {
      await e.close();
    }
  });
});
