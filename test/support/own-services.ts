/**
 * Services of a test's own, for tests that stop, kill or restart them (the
 * shared ones must never be touched): `scripts/services.sh` with a directory
 * and ports of the test's own. Ports come from TALLY_OWN_KAFKA_PORT,
 * TALLY_OWN_KAFKA_CONTROLLER_PORT and TALLY_OWN_REDIS_PORT when set, else free
 * ones. The broker's jars are taken from TALLY_KAFKA_LIBS or the shared
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

export type OwnService = 'kafka' | 'redis';

export interface OwnServices {
  readonly kafkaBrokers: string[];
  readonly redisUrl: string;
  readonly redisPort: number;
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

export async function ownServices(prefix: string): Promise<OwnServices> {
  const dir = mkdtempSync(join(tmpdir(), `tally-${prefix}-`));
  const kafkaPort = await portFrom('TALLY_OWN_KAFKA_PORT');
  const controllerPort = await portFrom('TALLY_OWN_KAFKA_CONTROLLER_PORT');
  const redisPort = await portFrom('TALLY_OWN_REDIS_PORT');
  const sharedLibs = join(ROOT, '.services', 'kafka', 'libs');
  const libs = process.env.TALLY_KAFKA_LIBS ?? (existsSync(sharedLibs) ? sharedLibs : undefined);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TALLY_SERVICES_DIR: dir,
    TALLY_KAFKA_PORT: String(kafkaPort),
    TALLY_KAFKA_CONTROLLER_PORT: String(controllerPort),
    TALLY_REDIS_PORT: String(redisPort),
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
    run,
    async close() {
      for (const what of started) await run('kill', what).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
