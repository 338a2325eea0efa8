/**
 * Services of a test's own, for tests that stop, kill or restart them (the
 * shared ones must never be touched): `scripts/services.sh` with a directory
 * and ports of the test's own. Ports come from TALLY_OWN_KAFKA_PORT,
 * TALLY_OWN_KAFKA_CONTROLLER_PORT, TALLY_OWN_REDIS_PORT and
 * TALLY_OWN_CLUSTER_PORT_BASE when set, else free ones (a Redis Cluster needs
 * three consecutive ports and their bus ports, port + 10000). The broker's jars are taken from TALLY_KAFKA_LIBS or the shared
 * services' directory (.services/kafka/libs) when present, so no Maven run.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SCRIPT = join(ROOT, 'scripts', 'services.sh');

export type OwnService = 'kafka' | 'redis' | 'cluster';

export interface OwnServices {
  readonly kafkaBrokers: string[];
  readonly redisUrl: string;
  readonly redisPort: number;
  /** The three masters of the own Redis Cluster (once started). */
  readonly clusterPorts: readonly number[];
  /** Runs `services.sh <command> <what>`; resolves when it returned (for `start`: when the service answers). Milliseconds it took. */
  run(command: 'start' | 'stop' | 'kill', what: OwnService): Promise<number>;
  /** Stops everything and removes the directory. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function portFrom(variable: string): Promise<number> {
  const given = Number(process.env[variable]);
  return Number.isInteger(given) && given > 0 ? given : freePort();
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = net.createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

/** A base port with base..base+2 and their bus ports (+10000) free. */
async function clusterBase(): Promise<number> {
  const given = Number(process.env.TALLY_OWN_CLUSTER_PORT_BASE);
  if (Number.isInteger(given) && given > 0) return given;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 9_000);
    const ports = [base, base + 1, base + 2, base + 10_000, base + 10_001, base + 10_002];
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
  throw new Error('no free ports for a Redis Cluster');
}

export async function ownServices(prefix: string): Promise<OwnServices> {
  const dir = mkdtempSync(join(tmpdir(), `tally-${prefix}-`));
  const kafkaPort = await portFrom('TALLY_OWN_KAFKA_PORT');
  const controllerPort = await portFrom('TALLY_OWN_KAFKA_CONTROLLER_PORT');
  const redisPort = await portFrom('TALLY_OWN_REDIS_PORT');
  const base = await clusterBase();
  const sharedLibs = join(ROOT, '.services', 'kafka', 'libs');
  const libs = process.env.TALLY_KAFKA_LIBS ?? (existsSync(sharedLibs) ? sharedLibs : undefined);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TALLY_SERVICES_DIR: dir,
    TALLY_KAFKA_PORT: String(kafkaPort),
    TALLY_KAFKA_CONTROLLER_PORT: String(controllerPort),
    TALLY_REDIS_PORT: String(redisPort),
    TALLY_CLUSTER_PORT_BASE: String(base),
    ...(libs ? { TALLY_KAFKA_LIBS: libs } : {}),
  };
  const started = new Set<OwnService>();
  const run = (command: 'start' | 'stop' | 'kill', what: OwnService): Promise<number> =>
    new Promise((done, fail) => {
      const t0 = Date.now();
      execFile('bash', [SCRIPT, command, what], { env, timeout: 300_000 }, (err, _stdout, stderr) => {
        if (err) return fail(new Error(`services.sh ${command} ${what} failed: ${err.message}\n${stderr}`));
        if (command === 'start') started.add(what);
        done(Date.now() - t0);
      });
    });
  return {
    kafkaBrokers: [`127.0.0.1:${kafkaPort}`],
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    redisPort,
    clusterPorts: [base, base + 1, base + 2],
    run,
    async close() {
      for (const what of started) await run('kill', what).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
