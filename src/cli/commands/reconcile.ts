/**
 * `tally reconcile [--budget ID] [--period P] [--tenant T …]` — rebuilds the
 * budget counters in Redis from the analytics store (the truth): after Redis
 * was flushed or lost, after spend corrections (cancelled or repriced
 * events), or for a budget whose counters were never kept. Safe while
 * processors run (fenced compare-and-swap per tenant; see docs/budgets.md).
 * Progress on stderr; a summary (or --json) on stdout.
 *
 * The embedded mode (`tally start`) keeps its counters in memory and rebuilds
 * them at every start; there is nothing to reconcile from outside.
 */
import { TallyError, validationError } from '../../core/errors.js';
import type { ConfigFlags } from '../flags.js';
import { printJson, progress, thousands, type Progress } from '../output.js';
import { openDirect } from './budgets-backend.js';

export interface ReconcileFlags extends ConfigFlags {
  readonly budget?: string;
  readonly period?: string;
  readonly tenant: string[];
  readonly global?: boolean;
  readonly seal: boolean;
  readonly json?: boolean;
}

const DAY = 86_400_000;

/**
 * The instant whose open periods are rebuilt: an RFC 3339 instant, or the
 * middle (UTC) of a year `2026`, month `2026-11`, ISO week `2026-W45` or day
 * `2026-11-05` — the middle, so that the label's period is the one open there
 * in every time zone.
 */
export function periodInstant(text: string, now: number = Date.now()): number {
  const bad = (reason: string): TallyError => validationError([{ path: 'period', reason }]);
  let from: number;
  let to: number;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})$/.exec(text))) {
    from = Date.UTC(Number(m[1]), 0, 1);
    to = Date.UTC(Number(m[1]) + 1, 0, 1);
  } else if ((m = /^(\d{4})-(\d{2})$/.exec(text))) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) throw bad('month must be 01–12');
    from = Date.UTC(Number(m[1]), month - 1, 1);
    to = Date.UTC(Number(m[1]), month, 1);
  } else if ((m = /^(\d{4})-W(\d{2})$/.exec(text))) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    const jan4 = Date.UTC(year, 0, 4);
    const monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
    if (week < 1 || week > 53) throw bad('ISO week must be 01–53');
    from = monday + (week - 1) * 7 * DAY;
    to = from + 7 * DAY;
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    from = Date.parse(`${text}T00:00:00Z`);
    to = from + DAY;
    if (Number.isNaN(from) || new Date(from).toISOString().slice(0, 10) !== text) throw bad('not a calendar date');
  } else {
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/\d{2}:\d{2}/.test(text)) throw bad('must be an instant (2026-11-05T12:00:00Z) or a period label (2026, 2026-11, 2026-W45, 2026-11-05)');
    from = at;
    to = at;
  }
  const at = from === to ? from : Math.floor((from + to) / 2);
  if (at > now) throw bad('is in the future: only open periods have counters');
  return at;
}

export async function runReconcile(flags: ReconcileFlags): Promise<void> {
  const at = flags.period === undefined ? undefined : periodInstant(flags.period);
  const direct = await openDirect(flags, { rebuild: false });
  let bar: Progress | undefined;
  try {
    if (direct.budgets.counters.kind !== 'redis') {
      throw new TallyError('CONFIG_INVALID', 'no Redis configured (REDIS_URL or REDIS_CLUSTER_NODES): the embedded mode keeps its counters in memory and rebuilds them at every start; nothing to reconcile');
    }
    const engine = direct.budgets.engine;
    const started = Date.now();
    const result = await engine.reconcile(direct.store, {
      ...(flags.budget === undefined ? {} : { budgetId: flags.budget }),
      ...(at === undefined ? {} : { at }),
      ...(flags.tenant.length > 0 ? { tenants: flags.tenant, global: flags.global === true } : {}),
      sealAlerts: flags.seal,
      onProgress: (done, total) => {
        if (flags.json) return;
        bar ??= progress('reconciling slots', total);
        bar.set(done);
      },
    });
    const seconds = Math.round((Date.now() - started) / 10) / 100;
    const budgets = flags.budget === undefined ? engine.current().budgets.length : 1;
    const summary = { ...result, budgets, at: new Date(at ?? started).toISOString(), seconds, target: direct.describe };
    bar?.done();
    if (flags.json) return printJson(summary);
    process.stdout.write(
      `reconciled ${budgets} budget${budgets === 1 ? '' : 's'} (periods open at ${summary.at}) from ${direct.describe} in ${seconds}s:\n` +
        `  ${thousands(String(result.slots))} slots (tenants + global), ${thousands(String(result.counters))} counters written, ` +
        `${result.retries} fence retries, ${result.locked} locked, ${thousands(String(result.sealed))} alert marks sealed\n`,
    );
    if (result.slots === 0) process.stderr.write('nothing to rebuild: no budget, or no stored usage in the open periods\n');
  } finally {
    await direct.close();
  }
}
