import { describe, expect, it } from 'vitest';
import { namedPeriod, resolveRange } from '../../../src/analytics/range.js';
import { TallyError } from '../../../src/core/errors.js';

const iso = (ms: number): string => new Date(ms).toISOString();
const NY = 'America/New_York';

describe('report ranges', () => {
  const now = Date.parse('2025-03-12T15:00:00Z'); // 11:00 EDT, two days after the spring-forward

  it('7d, 24h, 30m and 2w count back from now; the default is 30d', () => {
    expect(resolveRange({ since: '7d' }, NY, now)).toEqual({ from: now - 7 * 86_400_000, to: now });
    expect(resolveRange({ since: '24h', until: '30m' }, 'UTC', now)).toEqual({ from: now - 86_400_000, to: now - 1_800_000 });
    expect(resolveRange({ since: '2w' }, 'UTC', now).from).toBe(now - 14 * 86_400_000);
    expect(resolveRange({}, 'UTC', now)).toEqual({ from: now - 30 * 86_400_000, to: now });
  });

  it('this-month in America/New_York starts at local midnight of the 1st (EST) and ends at April 1 (EDT)', () => {
    const r = resolveRange({ since: 'this-month' }, NY, now);
    expect(iso(r.from)).toBe('2025-03-01T05:00:00.000Z');
    expect(iso(r.to)).toBe('2025-04-01T04:00:00.000Z');
    expect(iso(resolveRange({ since: 'this-month', until: 'now' }, NY, now).to)).toBe(iso(now));
  });

  it('last-month, today, yesterday, this-week, last-week, this-year in a zone', () => {
    expect(resolveRange({ since: 'last-month' }, NY, now)).toEqual({ from: Date.parse('2025-02-01T05:00:00Z'), to: Date.parse('2025-03-01T05:00:00Z') });
    expect(namedPeriod('today', NY, now)).toEqual({ from: Date.parse('2025-03-12T04:00:00Z'), to: Date.parse('2025-03-13T04:00:00Z') });
    const sunday = Date.parse('2025-03-09T12:00:00Z'); // the 23-hour day
    expect(namedPeriod('today', NY, sunday)).toEqual({ from: Date.parse('2025-03-09T05:00:00Z'), to: Date.parse('2025-03-10T04:00:00Z') });
    expect(namedPeriod('yesterday', NY, now)).toEqual({ from: Date.parse('2025-03-11T04:00:00Z'), to: Date.parse('2025-03-12T04:00:00Z') });
    expect(namedPeriod('this-week', NY, now)).toEqual({ from: Date.parse('2025-03-10T04:00:00Z'), to: Date.parse('2025-03-17T04:00:00Z') });
    expect(namedPeriod('last-week', NY, now)).toEqual({ from: Date.parse('2025-03-03T05:00:00Z'), to: Date.parse('2025-03-10T04:00:00Z') });
    expect(namedPeriod('this-year', 'Asia/Kolkata', now)).toEqual({ from: Date.parse('2024-12-31T18:30:00Z'), to: Date.parse('2025-12-31T18:30:00Z') });
    expect(resolveRange({ since: 'last-month', until: 'today' }, NY, now).to).toBe(Date.parse('2025-03-12T04:00:00Z'));
  });

  it('takes dates and RFC 3339 times, and names the flag of a mistake', () => {
    expect(resolveRange({ since: '2025-03-01', until: '2025-03-02T12:00:00+01:00' }, 'Asia/Kolkata', now)).toEqual({ from: Date.parse('2025-02-28T18:30:00Z'), to: Date.parse('2025-03-02T11:00:00Z') });
    for (const [input, path] of [[{ since: 'fortnight' }, 'since'], [{ since: '7d', until: 'soon' }, 'until'], [{ since: '1d', until: '2d' }, 'until']] as const) {
      try {
        resolveRange(input, 'UTC', now);
        throw new Error('expected an error');
      } catch (err) {
        expect(err).toBeInstanceOf(TallyError);
        expect((err as TallyError).details.errors).toEqual([expect.objectContaining({ path })]);
      }
    }
  });
});
