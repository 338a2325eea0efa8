/** Start-up failures worded for the user (issue 10, item 12). The processes themselves are run in test/integration/runtime/startup.test.ts. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { TallyError } from '../../../src/core/errors.js';
import { assertMigrated, explainStartupError } from '../../../src/runtime/startup-errors.js';

const chdb = loadConfig({ env: {}, overrides: { dataDir: '/var/lib/tally' } });
const server = loadConfig({ env: {}, overrides: { clickhouse: { url: 'http://ch.internal:8123', database: 'metering' } } as never });
const unknownTable = new TallyError('STORE_QUERY_FAILED', "analytics store (chdb) rejected the query: Code: 60. DB::Exception: Unknown table expression identifier 'budgets'", { details: { clickhouseCode: 60 } });

describe('explainStartupError', () => {
  it('says to run tally migrate against the same store when a table or database is missing', () => {
    const a = explainStartupError(unknownTable, chdb) as TallyError;
    expect(a.code).toBe('STORE_NOT_MIGRATED');
    expect(a.message).toContain('run `tally migrate` with the same --data-dir (/var/lib/tally)');
    const b = explainStartupError(new TallyError('STORE_QUERY_FAILED', 'Code: 81. Database metering does not exist', { details: { clickhouseCode: 81 } }), server) as TallyError;
    expect(b.message).toContain('the same CLICKHOUSE_URL (ClickHouse ch.internal:8123/metering)');
  });

  it('names the address and the setting when the port is taken', () => {
    const err = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8787'), { code: 'EADDRINUSE', address: '127.0.0.1', port: 8787 });
    const out = explainStartupError(err, chdb) as TallyError;
    expect(out).toMatchObject({ code: 'PORT_IN_USE', details: { address: '127.0.0.1', port: 8787 } });
    expect(out.message).toBe('127.0.0.1:8787 is in use by another process: stop it, or choose another port with --port (TALLY_PORT)');
  });

  it('leaves every other error as it is', () => {
    const other = new TallyError('LOG_UNAVAILABLE', 'no broker');
    expect(explainStartupError(other, chdb)).toBe(other);
    const plain = new Error('boom');
    expect(explainStartupError(plain, chdb)).toBe(plain);
  });

  it('assertMigrated reads the tables every process uses', async () => {
    const read: string[] = [];
    await assertMigrated({ events: { any: async () => { read.push('usage_events'); return false; }, highOffset: async () => { read.push('stream_positions'); return null; } }, budgets: { maxVersion: async () => { read.push('budgets'); return '0'; } } } as never);
    expect(read).toEqual(['usage_events', 'stream_positions', 'budgets']);
    await expect(assertMigrated({ events: { any: async () => { throw unknownTable; } }, budgets: { maxVersion: async () => '0' } } as never)).rejects.toBe(unknownTable);
  });
});
