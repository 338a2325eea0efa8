/**
 * Redis servers of a test's own (Debian's redis-server on free ports, no
 * persistence), for tests that must configure Redis in ways the shared one
 * must not be: an eviction policy, or a small Cluster whose masters differ.
 * Each is stopped by `stop()` (SIGTERM to the pid it started).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

export interface OwnRedis {
  readonly port: number;
  readonly client: Redis;
  stop(): Promise<void>;
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

async function waitForPing(client: Redis): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await client.ping()) === 'PONG') return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts redis-server with extra arguments (e.g. `--maxmemory-policy allkeys-lru`, `--cluster-enabled yes`). */
export async function startOwnRedis(args: readonly string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tally-own-redis-'));
  const child: ChildProcess = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  client.on('error', () => undefined);
  await client.connect().catch(() => undefined);
  await waitForPing(client);
  return {
    port,
    client,
    async stop() {
      client.disconnect();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Two cluster-enabled servers sharing the 16384 slots (one half each): a Redis Cluster with two masters. */
export async function startOwnCluster(): Promise<OwnRedis[]> {
  const nodes = [await startOwnRedis(['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000']), await startOwnRedis(['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000'])];
  const [a, b] = nodes as [OwnRedis, OwnRedis];
  await a.client.call('CLUSTER', 'ADDSLOTSRANGE', '0', '8191');
  await b.client.call('CLUSTER', 'ADDSLOTSRANGE', '8192', '16383');
  await a.client.call('CLUSTER', 'MEET', '127.0.0.1', String(b.port));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = await Promise.all(nodes.map(async (n) => String(await n.client.call('CLUSTER', 'INFO'))));
    if (states.every((s) => s.includes('cluster_state:ok') && s.includes('cluster_known_nodes:2'))) return nodes;
    if (Date.now() > deadline) throw new Error(`own Redis Cluster did not form: ${states.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
