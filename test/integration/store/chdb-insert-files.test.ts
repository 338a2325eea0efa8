/**
 * The chDB adapter's RowBinary inserts go through a file the engine reads
 * (src/store/chdb/file-insert.ts). The files live in a directory of the
 * store's own inside its data directory — writable wherever the store is, so
 * nothing else needs provisioning — each removed after its insert, the
 * directory when the store closes.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createChdbStore } from '../../../src/store/chdb/store.js';

const dir = mkdtempSync(join(tmpdir(), 'tally-insert-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chDB RowBinary insert files', () => {
  it('are written under the data directory, removed after each insert, their directory on close', async () => {
    // What a killed process left: its directory and the file of the insert in flight, removed when the engine opens.
    mkdirSync(join(dir, 'tally-inserts-killed'), { recursive: true });
    writeFileSync(join(dir, 'tally-inserts-killed', '1-0.rowbinary'), Buffer.from([1]));
    const store = await createChdbStore({ dataDir: dir, database: 'files' });
    await store.sql.command({ sql: 'CREATE TABLE t (a UInt8, s String) ENGINE = MergeTree ORDER BY a' });
    // Two rows: 7 'x' and 10 '\n\n' — the bytes chDB's inline insert data would have cut at.
    await store.sql.insertRowBinary('t', ['a', 's'], Buffer.from([7, 1, 0x78, 10, 2, 10, 10]));
    expect(await store.sql.query({ sql: 'SELECT a, s FROM t ORDER BY a' })).toEqual([{ a: 7, s: 'x' }, { a: 10, s: '\n\n' }]);
    const own = readdirSync(dir).filter((name) => name.startsWith('tally-inserts-'));
    expect(own).toHaveLength(1);
    expect(own[0]).not.toBe('tally-inserts-killed');
    expect(readdirSync(join(dir, own[0] ?? ''))).toEqual([]);
    await store.close();
    expect(readdirSync(dir).filter((name) => name.startsWith('tally-inserts-'))).toEqual([]);
  });
});
