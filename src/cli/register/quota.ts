import type { Command } from 'commander';
import type { QuotaFlags } from '../commands/quota.js';
import { withBackendFlags, withDimensionFlags } from '../flags.js';

/** The subcommands' work, loaded when one runs. */
const run = () => import('../commands/quota.js');

function withEstimateFlags(command: Command): Command {
  return command
    .option('--cost <usd>', 'estimated cost of the request, USD')
    .option('--tokens <n>', 'estimated tokens')
    .option('--requests <n>', 'requests (default 1)')
    .option('--max-tokens <n>', 'with --model: estimate the cost of this many tokens from the price catalog (output price with --input-tokens, else the dearer of input and output)')
    .option('--input-tokens <n>', 'with --model: the prompt\'s tokens, priced at the model\'s input price')
    .option('--estimate-model <model>', 'model to price --max-tokens / --input-tokens with, when it differs from the subject --model');
}

export function registerQuota(program: Command): void {
  const quota = program.command('quota').description('check, reserve and settle quota (store + Redis, or --url API); exit 3 when refused');

  withEstimateFlags(withDimensionFlags(withBackendFlags(quota.command('check').description('every applicable budget and one verdict for a request').option('--json', 'print JSON')), 'subject'))
    .action(async (flags: QuotaFlags) => (await run()).runQuotaCheck(flags));

  withEstimateFlags(withDimensionFlags(withBackendFlags(
    quota.command('reserve').description('hold an estimate on every applicable budget until settled or expired').option('--ttl <seconds>', 'hold for this long when not settled').option('--json', 'print JSON'),
  ), 'subject')).action(async (flags: QuotaFlags) => (await run()).runQuotaReserve(flags));

  withBackendFlags(
    quota
      .command('settle')
      .description('settle a reservation: released now, or held until --event-id is counted')
      .argument('<reservation_id>', 'what reserve returned')
      .option('--event-id <id>', 'the usage event of the request: the hold stays until the processor counts it')
      .option('--cost <usd>', 'actual cost (resizes the hold while awaiting the event)')
      .option('--tokens <n>', 'actual tokens')
      .option('--requests <n>', 'actual requests')
      .option('--json', 'print JSON'),
  ).action(async (id: string, flags: QuotaFlags) => (await run()).runQuotaSettle(id, flags));
}
