/**
 * `tally budgets add|list|get|rm|status` — manage budgets and read their
 * status. Acts on the configured store and counters (as `tally processor`
 * does), or on a running API with --url (see budgets-backend.ts). Aligned
 * tables; --json prints the API's JSON.
 *
 *   tally budgets add --name "Team A" --metric cost --limit 250 --period monthly \
 *       --timezone America/New_York --tenant acme --group team-a --thresholds 50,80,100
 *   tally budgets add --file budget.json
 *   tally budgets add --name "Chat" --metric cost --limit 50 --period daily --tenant acme --outage-policy leases
 *   tally budgets status team-a-monthly
 *   tally budgets status --tenant acme --user bob      # every budget applying to bob
 */
import { readFileSync } from 'node:fs';
import type { Budget, BudgetStatus, Subject } from '../../budgets/index.js';
import { TallyError, validationError } from '../../core/errors.js';
import { printJson, renderTable, thousands, type Column } from '../output.js';
import { openBackend, type BackendFlags } from './budgets-backend.js';

/** Subject / scope flags, shared with `tally quota`. */
export interface DimensionFlags {
  readonly tenant?: string;
  readonly user?: string;
  readonly group?: string;
  readonly model?: string;
  readonly provider?: string;
  readonly agent?: string;
  readonly feature?: string;
  readonly apiKeyId?: string;
}

export interface AddFlags extends BackendFlags, DimensionFlags {
  readonly file?: string;
  readonly id?: string;
  readonly name?: string;
  readonly metric?: string;
  readonly tokenClass?: string;
  readonly limit?: string;
  readonly period?: string;
  readonly timezone?: string;
  readonly window?: string;
  readonly soft?: boolean;
  readonly hard?: boolean;
  /** fail_open, fail_closed or leases: what checks answer while Redis is unreachable (validated with the budget). */
  readonly outagePolicy?: string;
  readonly thresholds?: string;
  readonly approaching?: string;
  readonly meta: string[];
  readonly backfill: boolean;
  readonly json?: boolean;
}

export interface ReadFlags extends BackendFlags, DimensionFlags {
  readonly json?: boolean;
}

const DIMENSION_FLAGS: readonly [keyof DimensionFlags, keyof Subject, string][] = [
  ['tenant', 'tenant', '--tenant <id>'], ['user', 'user_id', '--user <id>'], ['group', 'group', '--group <id>'], ['model', 'model', '--model <model>'],
  ['provider', 'provider', '--provider <name>'], ['agent', 'agent', '--agent <name>'], ['feature', 'feature', '--feature <name>'], ['apiKeyId', 'api_key_id', '--api-key-id <id>'],
];

/** The dimension flags as a subject (or a scope: `*` is "each value"). */
export function dimensionsOf(flags: DimensionFlags): Subject {
  const out: Record<string, string> = {};
  for (const [flag, dim] of DIMENSION_FLAGS) {
    const v = flags[flag];
    if (v !== undefined) out[dim] = v;
  }
  return out;
}

function numberOf(text: string, path: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw validationError([{ path, reason: `must be a number (got ${JSON.stringify(text)})` }]);
  return n;
}

/** The budget described by --file and the flags (flags win). */
export function budgetInput(flags: AddFlags): Record<string, unknown> {
  let base: Record<string, unknown> = {};
  if (flags.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(flags.file, 'utf8'));
    } catch (err) {
      throw new TallyError('INVALID_JSON', `cannot read ${flags.file} as JSON: ${(err as Error).message}`, { cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw validationError([{ path: '(file)', reason: 'must hold one budget object' }]);
    base = parsed as Record<string, unknown>;
  }
  if (flags.soft && flags.hard) throw validationError([{ path: 'enforcement', reason: 'give --soft or --hard, not both' }]);
  const scope = dimensionsOf(flags);
  const metadata = Object.fromEntries(flags.meta.map((kv, i) => {
    const cut = kv.indexOf('=');
    if (cut <= 0) throw validationError([{ path: `meta[${i}]`, reason: 'must be key=value' }]);
    return [kv.slice(0, cut), kv.slice(cut + 1)];
  }));
  const set: Record<string, unknown> = {
    id: flags.id, name: flags.name, metric: flags.metric, token_class: flags.tokenClass, limit: flags.limit, period: flags.period,
    timezone: flags.timezone, window: flags.window,
    enforcement: flags.soft ? 'soft' : flags.hard ? 'hard' : undefined,
    outage_policy: flags.outagePolicy,
    thresholds: flags.thresholds === undefined ? undefined : flags.thresholds.split(',').map((t) => numberOf(t, 'thresholds')),
    approaching: flags.approaching === undefined ? undefined : numberOf(flags.approaching, 'approaching'),
  };
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(set)) if (v !== undefined) out[k] = v;
  if (Object.keys(scope).length > 0) out.scope = { ...((base.scope as Record<string, unknown> | undefined) ?? {}), ...scope };
  if (Object.keys(metadata).length > 0) out.metadata = { ...((base.metadata as Record<string, unknown> | undefined) ?? {}), ...metadata };
  return out;
}

function scopeText(scope: Budget['scope']): string {
  const parts = Object.entries(scope).map(([d, v]) => `${d}=${v}`);
  return parts.length === 0 ? '(global)' : parts.join(',');
}

function periodText(b: Pick<Budget, 'period' | 'timezone' | 'window'>): string {
  if (b.period === 'rolling') return `rolling ${b.window ?? ''}`;
  return b.timezone === 'UTC' ? b.period : `${b.period} ${b.timezone}`;
}

function amount(metric: string, v: string | null): string {
  if (v === null) return '—';
  return metric === 'cost' || metric === 'price' ? `$${thousands(v)}` : thousands(v);
}

export function budgetsTable(list: readonly Budget[]): string {
  const columns: Column<Budget>[] = [
    { header: 'id', value: (b) => b.id },
    { header: 'name', value: (b) => b.name },
    { header: 'metric', value: (b) => (b.token_class ? `tokens:${b.token_class}` : b.metric) },
    { header: 'limit', value: (b) => amount(b.metric, b.limit), align: 'right' },
    { header: 'period', value: periodText },
    { header: 'scope', value: (b) => scopeText(b.scope) },
    { header: 'enforcement', value: (b) => b.enforcement },
    { header: 'thresholds', value: (b) => b.thresholds.join('/') },
  ];
  return renderTable(columns, list);
}

type StatusRow = Omit<BudgetStatus, 'used' | 'reserved' | 'remaining' | 'percentage'> & { used: string | null; reserved: string | null; remaining: string | null; percentage: number | null };

export function statusState(s: Pick<StatusRow, 'exceeded' | 'approaching'> & { blocking?: boolean; would_exceed?: boolean }): string {
  if (s.blocking) return 'BLOCKING';
  if (s.exceeded) return 'exceeded';
  if (s.would_exceed) return 'would exceed';
  return s.approaching ? 'approaching' : 'ok';
}

export function statusTable(list: readonly StatusRow[]): string {
  const columns: Column<StatusRow>[] = [
    { header: 'budget', value: (s) => s.budget_id },
    { header: 'subject', value: (s) => Object.entries(s.subject).map(([d, v]) => `${d}=${v}`).join(',') },
    { header: 'used', value: (s) => amount(s.metric, s.used), align: 'right' },
    { header: 'reserved', value: (s) => amount(s.metric, s.reserved), align: 'right' },
    { header: 'limit', value: (s) => amount(s.metric, s.limit), align: 'right' },
    { header: 'remaining', value: (s) => amount(s.metric, s.remaining), align: 'right' },
    { header: '%', value: (s) => (s.percentage === null ? '—' : s.percentage.toFixed(2)), align: 'right' },
    { header: 'state', value: statusState },
    { header: 'period', value: (s) => periodText({ period: s.period as Budget['period'], timezone: s.timezone, window: s.window }) },
    { header: 'resets at', value: (s) => s.resets_at },
  ];
  return renderTable(columns, list);
}

export async function runBudgetsAdd(flags: AddFlags): Promise<void> {
  const input = budgetInput(flags);
  const backend = await openBackend(flags, { rebuild: false });
  try {
    const { budget, backfill } = await backend.create(input, flags.backfill);
    if (flags.json) return printJson({ budget, backfill });
    process.stdout.write(budgetsTable([budget]));
    process.stdout.write(`created ${budget.id} (${backend.describe}); backfill: ${backfill}\n`);
  } finally {
    await backend.close();
  }
}

export async function runBudgetsList(flags: ReadFlags): Promise<void> {
  const backend = await openBackend(flags, { rebuild: false });
  try {
    const list = await backend.list();
    if (flags.json) return printJson({ budgets: list });
    process.stdout.write(list.length === 0 ? `no budgets (${backend.describe})\n` : budgetsTable(list));
  } finally {
    await backend.close();
  }
}

export async function runBudgetsGet(id: string, flags: ReadFlags): Promise<void> {
  const backend = await openBackend(flags, { rebuild: false });
  try {
    printJson(await backend.get(id));
  } finally {
    await backend.close();
  }
}

export async function runBudgetsRm(id: string, flags: ReadFlags): Promise<void> {
  const backend = await openBackend(flags, { rebuild: false });
  try {
    await backend.remove(id);
    if (flags.json) return printJson({ deleted: id });
    process.stdout.write(`deleted ${id}\n`);
  } finally {
    await backend.close();
  }
}

export async function runBudgetsStatus(id: string | undefined, flags: ReadFlags): Promise<void> {
  const subject = dimensionsOf(flags);
  const backend = await openBackend(flags, { rebuild: true });
  try {
    const list = id !== undefined ? [await backend.status(id, subject)] : await backend.statuses(Object.keys(subject).length > 0 ? subject : null);
    if (flags.json) return printJson(id !== undefined ? list[0] : { statuses: list });
    process.stdout.write(list.length === 0 ? 'no budget applies\n' : statusTable(list));
  } finally {
    await backend.close();
  }
}
