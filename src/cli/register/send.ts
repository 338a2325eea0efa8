import type { Command } from 'commander';
import type { SendFlags } from '../commands/send.js';
import { withConfigFlags } from '../flags.js';

export function registerSend(program: Command): void {
  withConfigFlags(
    program
      .command('send')
      .description('publish NDJSON usage events to Kafka (KAFKA_BROKERS), or to a tally API with --url')
      .argument('[file]', 'NDJSON file, or - for stdin', '-')
      .option('--url <url>', 'send through a running tally API instead of Kafka, e.g. http://127.0.0.1:8787')
      .option('--api-key <key>', 'API key for --url (ingest or admin role); default TALLY_API_KEY', process.env.TALLY_API_KEY)
      .option('--batch <n>', 'events per request or produce call', '500')
      .option('--json', 'print the summary as JSON'),
  ).action(async (file: string, flags: SendFlags) => (await import('../commands/send.js')).runSend(file, flags));
}
