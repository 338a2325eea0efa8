import type { Command } from 'commander';
import type { PricesCheckOptions } from '../commands/prices.js';

export function registerPrices(program: Command): void {
  const prices = program.command('prices').description('price files: what tally reads from them');
  prices
    .command('check')
    .description('read a price file (tally or LiteLLM format) and report what was read, skipped and why; exit 4 when anything was skipped')
    .argument('<file>', 'the price file')
    .option('--litellm-effective-from <date>', 'for a LiteLLM file: when its prices take effect (default 1970-01-01)')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, options: PricesCheckOptions) => (await import('../commands/prices.js')).runPricesCheck(file, options));
}
