import type { Command } from 'commander';
import type { ReplayFlags } from '../commands/replay.js';
import { withConfigFlags } from '../flags.js';

export function registerReplay(program: Command): void {
  withConfigFlags(
    program
      .command('replay')
      .description('re-process usage.raw from an offset or time, or re-submit dead letters after a fix (--from-dlq)')
      .option('--from-offset <n>', 'start at this offset in every selected partition')
      .option('--from-time <time>', 'start at the first record at or after this time')
      .option('--from-beginning', 'start at the earliest retained record')
      .option('--from-dlq', 're-submit dead letters from usage.dlq to usage.raw')
      .option('--embedded', "with --from-dlq: the dead letters of `tally start`, kept in its store under --data-dir (stop tally start first)")
      .option('--partitions <list>', 'only these partitions, e.g. 0,3')
      .option('--code <code>', 'with --from-dlq: only dead letters with this error code')
      .option('--since <time>', 'with --from-dlq: only dead letters that failed at or after this time')
      .option('--dlq', 'when re-processing raw: dead-letter records that are still invalid (default: count them only)')
      .option('--dry-run', 'read and count; write nothing')
      .option('--json', 'print the summary as JSON'),
    { dataDir: true },
  ).action(async (flags: ReplayFlags) => (await import('../commands/replay.js')).runReplay(flags));
}
