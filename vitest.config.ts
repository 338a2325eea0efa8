import { defineConfig } from 'vitest/config';

// Two projects, selected explicitly: `unit` needs nothing running; `integration`
// finds Kafka, Redis and ClickHouse through KAFKA_BROKERS, REDIS_URL,
// REDIS_CLUSTER_NODES and CLICKHOUSE_URL (set by `scripts/services.sh`).
// Every test file runs in its own process (pool: forks) because chDB binds one
// data directory per process.
export default defineConfig({
  test: {
    pool: 'forks',
    // Integration files share one Kafka broker and one Redis; two files at a time keeps a 2-core machine responsive.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          globalSetup: ['test/support/global-setup.ts'],
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
