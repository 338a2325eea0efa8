/** A statement's period: one calendar month, UTC (`2026-11`). */
import { validationError } from '../core/errors.js';
import { utcMs } from '../core/time.js';

export interface StatementPeriod {
  /** `YYYY-MM`. */
  readonly id: string;
  /** Epoch ms of the first instant (inclusive). */
  readonly from: number;
  /** Epoch ms of the next month's first instant (exclusive). */
  readonly to: number;
}

const PERIOD_RE = /^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/;

/** Reads `YYYY-MM`; VALIDATION_FAILED naming `period` otherwise. */
export function parsePeriod(text: string): StatementPeriod {
  const m = PERIOD_RE.exec(text);
  if (!m) throw validationError([{ path: 'period', reason: 'must be a calendar month, YYYY-MM (UTC)' }]);
  const year = Number(m[1]);
  const month = Number(m[2]);
  return { id: text, from: utcMs(year, month, 1), to: month === 12 ? utcMs(year + 1, 1, 1) : utcMs(year, month + 1, 1) };
}

/** The month after `p`. */
export function nextPeriod(p: StatementPeriod): StatementPeriod {
  return parsePeriod(new Date(p.to).toISOString().slice(0, 7));
}

/** The month before `p`. */
export function previousPeriod(p: StatementPeriod): StatementPeriod {
  return parsePeriod(new Date(p.from - 1).toISOString().slice(0, 7));
}

/** The UTC days (`YYYY-MM-DD`) of a period, in order. */
export function periodDays(p: StatementPeriod): string[] {
  const days: string[] = [];
  for (let t = p.from; t < p.to; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}
