/**
 * The chDB adapter's RowBinary inserts go through a file (src/store/chdb/file-insert.ts),
 * in a directory of their own under the engine's data directory. A file that cannot be
 * written (no space, no permission, the directory gone) is the store being unavailable — retriable, so the processor retries the batch instead of
 * treating the rows as refused — and no file is left behind either way.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InsertFiles, rowBinaryFileInsert } from '../../../src/store/chdb/file-insert.js';
import { isTallyError } from '../../../src/core/errors.js';

describe('InsertFiles', () => {
  it('reports a file it cannot write as STORE_UNAVAILABLE (retriable), without running the insert', async () => {
    const files = new InsertFiles(join(tmpdir(), 'tally-no-such-dir', 'deeper'));
    let ran = false;
    const err: unknown = await files.with(Buffer.from([1, 2, 3]), async () => { ran = true; }).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(isTallyError(err) && err.code).toBe('STORE_UNAVAILABLE');
    expect(isTallyError(err) && err.retriable).toBe(true);
    await files.close();
  });

  it('removes each file after its insert, failed or not, and its directory on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-file-insert-test-'));
    const files = new InsertFiles(dir);
    let seen = '';
    await files.with(Buffer.from('abc'), async (file) => { seen = file; expect(existsSync(file)).toBe(true); });
    await expect(files.with(Buffer.from('def'), async () => { throw new Error('insert refused'); })).rejects.toThrow('insert refused');
    expect(existsSync(seen)).toBe(false);
    const [own] = readdirSync(dir);
    expect(readdirSync(join(dir, own ?? ''))).toEqual([]);
    await files.close();
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the statement with quoted file and settings, refusing hostile names', () => {
    expect(rowBinaryFileInsert('db.t', ['a', 'b'], "/tmp/x'y", { insert_deduplication_token: "t'1", async_insert: 0 })).toBe(
      "INSERT INTO db.t (a, b) FROM INFILE '/tmp/x\\'y' SETTINGS insert_deduplication_token = 't\\'1', async_insert = 0 FORMAT RowBinary",
    );
    expect(() => rowBinaryFileInsert('db.t; DROP', ['a'], '/f', {})).toThrow();
    expect(() => rowBinaryFileInsert('t', ['a b'], '/f', {})).toThrow();
  });
});
