/** The benchmarks `npm run bench -- <name>` knows. */
import { runCliBench } from './cli.js';
import { runIngestBench } from './ingest.js';
import { runOtlpBench } from './otlp.js';
import { runPipelineBench } from './pipeline.js';
import { runPricingBench } from './pricing.js';
import { runProducerBench } from './producer.js';
import { runQueriesBench } from './queries.js';
import { runQuotaBench } from './quota.js';
import { runRepairBench } from './repair.js';
import { runSdkWrapBench } from './sdk-wrap.js';
import { runWalletBench } from './wallet.js';
import { runWalletAlertsBench } from './wallet-alerts.js';

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(args: readonly string[]): Promise<void>;
}

export const BENCHMARKS: readonly Benchmark[] = [
  { name: 'pipeline', description: 'Kafka → processor → chDB: events/s for 1, 2, 4 partitions; produce→visible latency at 5,000/s; RSS', run: runPipelineBench },
  { name: 'quota', description: 'quota check and reserve+settle on the local Redis from separate generator processes: p50/p99 at 1,000/s, max ops/s with 64 callers', run: runQuotaBench },
  { name: 'queries', description: 'analytics service over 10M events in chDB (and ClickHouse with CLICKHOUSE_URL): p50/p99 of summary, by model by day, top-20 users over 30 days', run: runQueriesBench },
  { name: 'pricing', description: 'CPU µs per event by stage (decode, validate, normalize, price, bill) against a baseline commit, and events/s per CPU-second, one core', run: runPricingBench },
  { name: 'ingest', description: 'HTTP ingest input checks: CPU per event of JSON.parse, the repeated-key scan, the nesting walk, parseEvent and a whole POST /v1/events', run: runIngestBench },
  { name: 'otlp', description: 'OTLP traces receiver: CPU per span of decoding (protobuf, JSON) and of a whole POST /v1/traces (protobuf, gzip, JSON) vs the same usage as v1 events', run: runOtlpBench },
  { name: 'repair', description: 'start-up cost of the rollup repair at 1M and 10M events: clean start, after a crash, and every bucket (no checkpoint)', run: runRepairBench },
  { name: 'producer', description: 'Kafka producer before and after issue 18 (plain with size pre-check and deadline; idempotent, one send at a time): events/s and CPU per 1,000 events with 1 and 4 senders', run: runProducerBench },
  { name: 'sdk-wrap', description: 'self-enforcing wrappers: CPU per call of counting a prompt (tiktoken, approximation) and of a wrapped call with the in-process quota client, leases on and off, vs unwrapped', run: runSdkWrapBench },
  { name: 'wallet', description: 'reading a wallet (balance, ledger) over 1M events in chDB vs the analytics summary of the same tenant and range: p50/p99, CPU per call', run: runWalletBench },
  { name: 'wallet-alerts', description: 'low-balance alert latency in `tally start`: crossing event sent / accepted (202) → signed webhook received, p50/p90/p99/max idle and under background ingest, and where the time goes', run: runWalletAlertsBench },
  { name: 'cli', description: 'start-up of the tally command: wall and CPU of --help, --version and price of one event, compiled (dist/) vs sources (tsx)', run: runCliBench },
];
