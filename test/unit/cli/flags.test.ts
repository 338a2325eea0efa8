/** The dimension flags as registered (src/cli/flags.ts) all reach the subject (commands/budgets.ts maps them). */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { dimensionsOf, type ReadFlags } from '../../../src/cli/commands/budgets.js';
import { DIMENSION_OPTIONS } from '../../../src/cli/flags.js';
import { registerBudgets } from '../../../src/cli/register/budgets.js';

describe('dimension flags', () => {
  it('every registered --tenant, --user, … flag becomes one field of the subject', async () => {
    const program = new Command('tally').exitOverride();
    registerBudgets(program);
    const status = program.commands.find((c) => c.name() === 'budgets')?.commands.find((c) => c.name() === 'status');
    if (!status) throw new Error('no budgets status');
    let seen: ReadFlags | undefined;
    status.action((_id: string | undefined, flags: ReadFlags) => {
      seen = flags;
    });
    const args = DIMENSION_OPTIONS.flatMap((option, i) => [option.split(' ')[0] ?? '', `v${i}`]);
    await program.parseAsync(['budgets', 'status', ...args], { from: 'user' });
    if (!seen) throw new Error('the action did not run');
    expect(Object.values(dimensionsOf(seen)).sort()).toEqual(DIMENSION_OPTIONS.map((_, i) => `v${i}`).sort());
  });
});
