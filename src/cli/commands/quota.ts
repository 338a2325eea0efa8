/**
 * `tally quota check|reserve|settle` — the quota API from a shell, against
 * the configured store + Redis or a running API (--url); see budgets-backend.ts.
 *
 *   tally quota check --tenant acme --user bob --cost 0.25
 *   tally quota check --tenant acme --user bob --model gpt-4o --max-tokens 2000
 *   tally quota reserve --tenant acme --user bob --cost 0.50 --ttl 120
 *   tally quota settle <reservation_id> [--event-id ID] [--cost 0.31]
 *
 * Exit codes: 0 allowed (or granted, settled), 3 refused (the Retry-After is
 * printed), 1 error.
 */
import type { Command } from 'commander';
import type { UsageEstimate } from '../../budgets/index.js';
import { validationError } from '../../core/errors.js';
import { printJson, renderTable, type Column } from '../output.js';
import { openBackend, type BackendFlags, type Verdict } from './budgets-backend.js';
import { dimensionsOf, statusTable, withBackendFlags, withDimensionFlags, type DimensionFlags } from './budgets.js';

interface EstimateFlags {
  readonly cost?: string;
  readonly tokens?: string;
  readonly requests?: string;
  readonly maxTokens?: string;
  readonly estimateModel?: string;
}

interface QuotaFlags extends BackendFlags, DimensionFlags, EstimateFlags {
  readonly ttl?: string;
  readonly eventId?: string;
  readonly json?: boolean;
}

/** Exit code of a refused check or reservation. */
export const REFUSED_EXIT_CODE = 3;

function whole(text: string | undefined, path: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw validationError([{ path, reason: 'must be a whole number' }]);
  return Number(text);
}

export function estimateOf(flags: EstimateFlags & DimensionFlags): UsageEstimate | undefined {
  const e: Record<string, string | number> = {};
  if (flags.cost !== undefined) e.cost = flags.cost;
  const tokens = whole(flags.tokens, 'tokens');
  if (tokens !== undefined) e.tokens = tokens;
  const requests = whole(flags.requests, 'requests');
  if (requests !== undefined) e.requests = requests;
  const max = whole(flags.maxTokens, 'max-tokens');
  if (max !== undefined) {
    e.max_tokens = max;
    const model = flags.estimateModel ?? flags.model;
    if (model === undefined) throw validationError([{ path: 'max-tokens', reason: 'needs --model (the cost is estimated from its price)' }]);
    e.model = model;
  }
  return Object.keys(e).length === 0 ? undefined : (e as UsageEstimate);
}

function withEstimateFlags(command: Command): Command {
  return command
    .option('--cost <usd>', 'estimated cost of the request, USD')
    .option('--tokens <n>', 'estimated tokens')
    .option('--requests <n>', 'requests (default 1)')
    .option('--max-tokens <n>', 'with --model: estimate the cost of this many tokens from the price catalog')
    .option('--estimate-model <model>', 'model to price --max-tokens with, when it differs from the subject --model');
}

function verdictText(v: Verdict, what: string): string {
  if (v.allowed) return `${what}: allowed\n`;
  const blocking = v.budgets.filter((s) => s.blocking);
  type Row = (typeof blocking)[number];
  const columns: Column<Row>[] = [
    { header: 'blocking budget', value: (s) => s.budget_id },
    { header: 'resets at', value: (s) => s.resets_at },
    { header: 'retry after (s)', value: (s) => String(s.retry_after_seconds ?? ''), align: 'right' },
  ];
  return `${what}: REFUSED — retry after ${v.retry_after_seconds ?? '?'} s (when every blocking budget has room)\n${renderTable(columns, blocking)}`;
}

function printVerdict(v: Verdict, flags: QuotaFlags, what: string, extra: Record<string, unknown> = {}): void {
  if (!v.allowed) process.exitCode = REFUSED_EXIT_CODE;
  if (flags.json) return printJson({ ...extra, ...v });
  if (v.budgets.length > 0) process.stdout.write(statusTable(v.budgets));
  else process.stdout.write('no budget applies\n');
  process.stdout.write(verdictText(v, what));
}

export function registerQuota(program: Command): void {
  const quota = program.command('quota').description('check, reserve and settle quota (store + Redis, or --url API); exit 3 when refused');

  withEstimateFlags(withDimensionFlags(withBackendFlags(quota.command('check').description('every applicable budget and one verdict for a request').option('--json', 'print JSON')), 'subject'))
    .action(async (flags: QuotaFlags) => {
      const backend = await openBackend(flags, { rebuild: true });
      try {
        printVerdict(await backend.check(dimensionsOf(flags), estimateOf(flags)), flags, 'check');
      } finally {
        await backend.close();
      }
    });

  withEstimateFlags(withDimensionFlags(withBackendFlags(
    quota.command('reserve').description('hold an estimate on every applicable budget until settled or expired').option('--ttl <seconds>', 'hold for this long when not settled').option('--json', 'print JSON'),
  ), 'subject')).action(async (flags: QuotaFlags) => {
    const backend = await openBackend(flags, { rebuild: false });
    try {
      const ttl = flags.ttl === undefined ? undefined : Number(flags.ttl);
      if (ttl !== undefined && !(ttl > 0)) throw validationError([{ path: 'ttl', reason: 'must be a number of seconds above 0' }]);
      const r = await backend.reserve(dimensionsOf(flags), estimateOf(flags) ?? {}, ttl);
      printVerdict(r, flags, r.granted ? `reserved ${r.reservation_id ?? ''} until ${r.expires_at ?? ''}` : 'reserve', { granted: r.granted, reservation_id: r.reservation_id, expires_at: r.expires_at });
    } finally {
      await backend.close();
    }
  });

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
  ).action(async (id: string, flags: QuotaFlags) => {
    const backend = await openBackend(flags, { rebuild: false });
    try {
      const actual: Record<string, string | number> = {};
      if (flags.cost !== undefined) actual.cost = flags.cost;
      const tokens = whole(flags.tokens, 'tokens');
      if (tokens !== undefined) actual.tokens = tokens;
      const requests = whole(flags.requests, 'requests');
      if (requests !== undefined) actual.requests = requests;
      const r = await backend.settle(id, { ...(flags.eventId ? { event_id: flags.eventId } : {}), ...(Object.keys(actual).length > 0 ? { actual } : {}) });
      if (flags.json) return printJson({ reservation_id: id, ...r });
      process.stdout.write(`${id}: ${r.status}\n`);
    } finally {
      await backend.close();
    }
  });
}
