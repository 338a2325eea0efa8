/**
 * Where integration tests find real services. In order:
 *   1. an environment URL (`KAFKA_BROKERS`, `REDIS_URL`, `REDIS_CLUSTER_NODES`,
 *      `CLICKHOUSE_URL`), as printed by `scripts/services.sh start`;
 *   2. a container started by test/support/global-setup.ts when Docker is present;
 *   3. otherwise the suite is skipped with a message saying why — unless
 *      TALLY_REQUIRE_SERVICES=1 (set by scripts/test.sh, i.e. in CI), where a
 *      missing service fails the run instead of silently skipping.
 */
import { describe } from 'vitest';

export type ServiceName = 'kafka' | 'redis' | 'redisCluster' | 'clickhouse';

const ENV: Record<ServiceName, string> = {
  kafka: 'KAFKA_BROKERS',
  redis: 'REDIS_URL',
  redisCluster: 'REDIS_CLUSTER_NODES',
  clickhouse: 'CLICKHOUSE_URL',
};

export function serviceUrl(name: ServiceName): string | undefined {
  const value = process.env[ENV[name]];
  return value && value.trim() !== '' ? value.trim() : undefined;
}

export function servicesRequired(): boolean {
  return process.env.TALLY_REQUIRE_SERVICES === '1';
}

/**
 * `describe` that runs only when every named service is reachable. When one is
 * missing it skips with the reason, or throws when services are required.
 */
export function describeWith(services: readonly ServiceName[], name: string, body: () => void): void {
  const missing = services.filter((s) => serviceUrl(s) === undefined);
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const why = `needs ${missing.map((s) => ENV[s]).join(', ')}; start services with \`eval "$(bash scripts/services.sh start)"\` or run Docker`;
  if (servicesRequired()) throw new Error(`${name}: ${why} (TALLY_REQUIRE_SERVICES=1)`);
  console.warn(`[skipped] ${name}: ${why}`);
  describe.skip(`${name} (skipped: ${why})`, body);
}

export function kafkaBrokers(): string[] {
  return (serviceUrl('kafka') ?? '').split(',').filter(Boolean);
}

export function redisClusterNodes(): { host: string; port: number }[] {
  return (serviceUrl('redisCluster') ?? '')
    .split(',')
    .filter(Boolean)
    .map((hp) => {
      const [host = '127.0.0.1', port = '0'] = hp.split(':');
      return { host, port: Number(port) };
    });
}

/** A name unique to this test run, for topics, databases, key prefixes and consumer groups. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
