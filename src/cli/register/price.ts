import type { Command } from 'commander';
import type { PriceOptions } from '../commands/price.js';
import { collect } from '../flags.js';

export function registerPrice(program: Command): void {
  program
    .command('price')
    .description('price events from an NDJSON file or stdin (dry run: nothing is stored); exit 1 bad lines, 4 price-file entries skipped, 5 both')
    .argument('[file]', 'NDJSON file of events, or - for stdin', '-')
    .option('--prices <file>', 'extra price file in tally or LiteLLM format (repeatable; later files win)', collect, [])
    .option('--no-builtins', 'use only the --prices files, not the built-in catalog')
    .option('--table', 'print an aligned table with a totals row instead of NDJSON')
    .option('--json', 'print one JSON document {records, totals, rejected}')
    .action(async (file: string, options: PriceOptions) => (await import('../commands/price.js')).runPrice(file, options));
}
