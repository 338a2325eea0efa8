/**
 * Binary inserts into chDB (RowBinary), through a file. chdb 3.4's
 * `session.insert()` takes raw bytes in text formats only, and for a reason:
 * it sends them as inline data after the statement, and inline data ends at
 * the first empty line (`\n\n`) — which a binary body holds almost surely (the
 * Int64 2570 is `0a 0a 00 …`; every 5,000-row batch of the pipeline bench
 * had one, and its insert failed or lost rows). So the bytes go to a file
 * and the engine reads them with `INSERT … FROM INFILE … FORMAT RowBinary`,
 * every byte as it is: one write into the page cache and one unlink per
 * insert, in a directory of the store's own inside the engine's data
 * directory (writable wherever the store is: no other path to provision),
 * which it removes when it closes.
 */
import { readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import { unavailableError } from '../errors.js';
import { assertIdentifier } from '../sql.js';
import { assertSettingName, type SettingValue } from '../settings.js';

/** A ClickHouse literal: numbers as they are, text single-quoted with `\` and `'` escaped. */
export function literal(value: SettingValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`setting value ${value} is not finite`);
    return String(value);
  }
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `INSERT INTO db.t (c1, …) FROM INFILE '<file>' SETTINGS k = v, … FORMAT RowBinary`. */
export function rowBinaryFileInsert(target: string, columns: readonly string[], file: string, settings: Readonly<Record<string, SettingValue>>): string {
  for (const part of target.split('.')) assertIdentifier(part, 'table');
  if (columns.length === 0) throw new RangeError('a RowBinary insert needs its column list');
  const cols = columns.map((c) => assertIdentifier(c, 'column')).join(', ');
  const entries = Object.entries(settings);
  for (const [k] of entries) assertSettingName(k);
  const settingsClause = entries.length === 0 ? '' : ` SETTINGS ${entries.map(([k, v]) => `${k} = ${literal(v)}`).join(', ')}`;
  return `INSERT INTO ${target} (${cols}) FROM INFILE ${literal(file)}${settingsClause} FORMAT RowBinary`;
}

/** The prefix of a store's insert-file directory in the engine's data directory. */
const INSERT_DIR_PREFIX = 'tally-inserts-';

/**
 * Removes the insert-file directories a killed process left in `dataDir` (at most the file of the insert in
 * flight in each). Call it when the engine opens the directory: no store of this process uses one yet, and
 * chDB serves a data directory to one process.
 */
export function removeLeftInsertFiles(dataDir: string): void {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(INSERT_DIR_PREFIX)) rmSync(join(dataDir, name), { recursive: true, force: true });
}

/** Where one store's insert files go: a directory made on first use under `baseDir`, removed by `close()`. */
export class InsertFiles {
  private dir: Promise<string> | null = null;
  private next = 0;

  constructor(private readonly baseDir: string) {}

  /**
   * Writes `data` to a new file, runs `fn` with its path, then removes the file (also when `fn` fails).
   * A file that cannot be written (no space, no permission, no temporary directory) is STORE_UNAVAILABLE:
   * retriable, like an engine that does not answer — the rows were not refused.
   */
  async with<T>(data: Buffer, fn: (file: string) => Promise<T>): Promise<T> {
    const unwritable = (err: unknown): Error => unavailableError(`cannot write the insert's RowBinary file: ${errorMessage(err)}`, { adapter: 'chdb', op: 'insert' }, err);
    let dir: string;
    try {
      dir = await (this.dir ??= mkdtemp(join(this.baseDir, INSERT_DIR_PREFIX)));
    } catch (err) {
      this.dir = null; // made again by the next insert
      throw unwritable(err);
    }
    const file = join(dir, `${process.pid}-${this.next++}.rowbinary`);
    try {
      await writeFile(file, data);
    } catch (err) {
      await unlink(file).catch(() => undefined);
      throw unwritable(err);
    }
    try {
      return await fn(file);
    } finally {
      await unlink(file).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.dir !== null) await rm(await this.dir, { recursive: true, force: true }).catch(() => undefined);
    this.dir = null;
  }
}
