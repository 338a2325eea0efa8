/**
 * `tally quota check|reserve|settle` — the quota API from a shell, against
 * the configured store + Redis or a running API (--url); see budgets-backend.ts.
 *
 *   tally quota check --tenant acme --user bob --cost 0.25
 *   tally quota check --tenant acme --user bob --model gpt-4o --max-tokens 2000
 *   tally quota check --tenant acme --user bob --model gpt-4o --input-tokens 1200 --max-tokens 2000
 *   tally quota reserve --tenant acme --user bob --cost 0.50 --ttl 120
 *   tally quota settle <reservation_id> [--event-id ID] [--cost 0.31]
 *
 * Exit codes: 0 allowed (or granted, settled), 3 refused (the Retry-After is
 * printed), 1 error.
 */
import type { UsageEstimate } from '../../budgets/index.js';
import { validationError } from '../../core/errors.js';
import { printJson, renderTable, type Column } from '../output.js';
import { openBackend, type BackendFlags, type Verdict } from './budgets-backend.js';
import { dimensionsOf, statusTable, type DimensionFlags } from './budgets.js';

interface EstimateFlags {
  readonly cost?: string;
  readonly tokens?: string;
  readonly requests?: string;
  readonly maxTokens?: string;
  readonly inputTokens?: string;
  readonly estimateModel?: string;
}

export interface QuotaFlags extends BackendFlags, DimensionFlags, EstimateFlags {
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
  const input = whole(flags.inputTokens, 'input-tokens');
  if (max !== undefined || input !== undefined) {
    if (input !== undefined) e.input_tokens = input;
    if (max !== undefined) e.max_tokens = max;
    const model = flags.estimateModel ?? flags.model;
    if (model === undefined) throw validationError([{ path: max !== undefined ? 'max-tokens' : 'input-tokens', reason: 'needs --model (the cost is estimated from its price)' }]);
    e.model = model;
  }
  return Object.keys(e).length === 0 ? undefined : (e as UsageEstimate);
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

export async function runQuotaCheck(flags: QuotaFlags): Promise<void> {
  const backend = await openBackend(flags, { rebuild: true });
  try {
    printVerdict(await backend.check(dimensionsOf(flags), estimateOf(flags)), flags, 'check');
  } finally {
    await backend.close();
  }
}

export async function runQuotaReserve(flags: QuotaFlags): Promise<void> {
  const backend = await openBackend(flags, { rebuild: false });
  try {
    const ttl = flags.ttl === undefined ? undefined : Number(flags.ttl);
    if (ttl !== undefined && !(ttl > 0)) throw validationError([{ path: 'ttl', reason: 'must be a number of seconds above 0' }]);
    const r = await backend.reserve(dimensionsOf(flags), estimateOf(flags) ?? {}, ttl);
    printVerdict(r, flags, r.granted ? `reserved ${r.reservation_id ?? ''} until ${r.expires_at ?? ''}` : 'reserve', { granted: r.granted, reservation_id: r.reservation_id, expires_at: r.expires_at });
  } finally {
    await backend.close();
  }
}

export async function runQuotaSettle(id: string, flags: QuotaFlags): Promise<void> {
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
}
