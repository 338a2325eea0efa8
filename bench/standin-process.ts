/**
 * The chDB ClickHouse-HTTP TEST STAND-IN (test/support/clickhouse-standin.ts)
 * in a process of its own, for out-of-process measurements of the
 * @clickhouse/client adapter when no ClickHouse server is at hand:
 * `tsx bench/standin-process.ts <dataDir>` prints its URL as one JSON line
 * and serves until its stdin closes. Not a ClickHouse server.
 */
import { startClickHouseStandin } from '../test/support/clickhouse-standin.js';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: standin-process.ts <dataDir>');
const standin = await startClickHouseStandin({ dataDir });
console.log(JSON.stringify({ url: standin.url, pid: process.pid }));
process.stdin.resume();
process.stdin.on('end', () => {
  void standin.close().then(() => process.exit(0));
});
