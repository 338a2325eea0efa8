import type { Command } from 'commander';
import { withConfigFlags, type ConfigFlags } from '../flags.js';

export function registerProcessor(program: Command): void {
  withConfigFlags(
    program.command('processor').description('consume usage.raw into the analytics store and the budget counters (distributed mode)'),
    { dataDir: true },
  ).action(async (flags: ConfigFlags) => (await import('../commands/processor.js')).runProcessor(flags));
}
