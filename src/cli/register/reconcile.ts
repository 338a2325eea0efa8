import type { Command } from 'commander';
import type { ReconcileFlags } from '../commands/reconcile.js';
import { collect, withConfigFlags } from '../flags.js';

export function registerReconcile(program: Command): void {
  withConfigFlags(
    program
      .command('reconcile')
      .description('rebuild budget counters in Redis from the analytics store (after a Redis loss, corrections, or a new budget)')
      .option('--budget <id>', 'only this budget\'s counters (default: every budget)')
      .option('--period <when>', 'rebuild the periods open at this instant or label: 2026-11-05T12:00:00Z, 2026-11, 2026-W45, 2026-11-05, 2026 (default now)')
      .option('--tenant <id>', 'only this tenant (repeatable); the global slot only with --global', collect, [])
      .option('--global', 'with --tenant: also the budgets without a tenant (global slot)')
      .option('--no-seal', 'do not mark thresholds the rebuilt counters already reach as alerted (they may alert again)')
      .option('--json', 'print the result as JSON'),
    { dataDir: true },
  ).action(async (flags: ReconcileFlags) => (await import('../commands/reconcile.js')).runReconcile(flags));
}
