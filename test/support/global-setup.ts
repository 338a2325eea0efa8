/**
 * Integration global setup: when a service URL is absent and a Docker engine
 * answers, start that service in a container with testcontainers and export
 * its URL for the test workers (forked after this runs, so they inherit env).
 * Without Docker nothing is started; test/support/services.ts then skips or
 * fails as configured.
 */
import { execFileSync } from 'node:child_process';

interface Stoppable { stop(): Promise<unknown> }

function dockerEngineAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const started: Stoppable[] = [];
  const wanted = {
    redis: !process.env.REDIS_URL,
    kafka: !process.env.KAFKA_BROKERS,
    clickhouse: !process.env.CLICKHOUSE_URL,
  };
  if (!Object.values(wanted).some(Boolean) || !dockerEngineAnswers()) return async () => {};

  const { GenericContainer, Wait } = await import('testcontainers');
  if (wanted.redis) {
    const c = await new GenericContainer('redis:7.4').withExposedPorts(6379).start();
    process.env.REDIS_URL = `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
    started.push(c);
  }
  if (wanted.kafka) {
    // Fixed host port so the advertised listener is reachable from the host.
    const c = await new GenericContainer('apache/kafka:3.9.1')
      .withExposedPorts({ container: 19092, host: 19092 })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:19092,CONTROLLER://0.0.0.0:19093',
        KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:19092',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:19093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    process.env.KAFKA_BROKERS = '127.0.0.1:19092';
    started.push(c);
  }
  if (wanted.clickhouse) {
    const c = await new GenericContainer('clickhouse/clickhouse-server:25.8')
      .withExposedPorts(8123)
      .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: '1' })
      .withWaitStrategy(Wait.forHttp('/ping', 8123))
      .start();
    process.env.CLICKHOUSE_URL = `http://${c.getHost()}:${c.getMappedPort(8123)}`;
    started.push(c);
  }
  return async () => {
    await Promise.all(started.map((c) => c.stop()));
  };
}
