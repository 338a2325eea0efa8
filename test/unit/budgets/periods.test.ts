import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bucketAt, bucketExpiry, counterPeriodId, formatWindow, granularityOf, parseWindow, periodStart, resetsAt, windowAt,
  type CalendarKind, type Period,
} from '../../../src/budgets/periods.js';
import { canonicalTimeZone, instantOf, isoWeek, wallClock } from '../../../src/core/zones.js';
import { TallyError } from '../../../src/core/errors.js';

const t = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const cal = (kind: CalendarKind, timezone = 'UTC'): Period => ({ kind, timezone });
const rolling = (windowMinutes: number): Period => ({ kind: 'rolling', windowMinutes });

function span(period: Period, at: string): [string, string, string] {
  const b = bucketAt(period, t(at));
  return [iso(b.start), iso(b.end), b.label];
}

describe('calendar periods in UTC', () => {
  it('daily: 23:59:59.999 and 00:00:00.000 are different days', () => {
    expect(span(cal('daily'), '2026-03-07T23:59:59.999Z')).toEqual(['2026-03-07T00:00:00.000Z', '2026-03-08T00:00:00.000Z', '2026-03-07']);
    expect(span(cal('daily'), '2026-03-08T00:00:00.000Z')).toEqual(['2026-03-08T00:00:00.000Z', '2026-03-09T00:00:00.000Z', '2026-03-08']);
  });

  it('Feb 29 2028 is its own day and February 2028 has 29 days', () => {
    expect(span(cal('daily'), '2028-02-29T12:00:00Z')).toEqual(['2028-02-29T00:00:00.000Z', '2028-03-01T00:00:00.000Z', '2028-02-29']);
    expect(span(cal('monthly'), '2028-02-29T23:59:59.999Z')).toEqual(['2028-02-01T00:00:00.000Z', '2028-03-01T00:00:00.000Z', '2028-02']);
    expect(span(cal('monthly'), '2028-03-01T00:00:00.000Z')[2]).toBe('2028-03');
    expect(span(cal('monthly'), '2027-02-15T00:00:00Z')).toEqual(['2027-02-01T00:00:00.000Z', '2027-03-01T00:00:00.000Z', '2027-02']);
    expect(span(cal('yearly'), '2028-02-29T00:00:00Z')).toEqual(['2028-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z', '2028']);
  });

  it('year end: day, month and year change at midnight; the ISO week does not', () => {
    const before = '2026-12-31T23:59:59.999Z';
    const after = '2027-01-01T00:00:00.000Z';
    expect(span(cal('daily'), before)[2]).toBe('2026-12-31');
    expect(span(cal('daily'), after)[2]).toBe('2027-01-01');
    expect(span(cal('monthly'), before)).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '2026-12']);
    expect(span(cal('monthly'), after)).toEqual(['2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z', '2027-01']);
    expect(span(cal('yearly'), before)).toEqual(['2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '2026']);
    expect(span(cal('yearly'), after)).toEqual(['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z', '2027']);
    // 2026 has 53 ISO weeks: Mon 2026-12-28 .. Sun 2027-01-03 is 2026-W53.
    expect(span(cal('weekly'), before)).toEqual(['2026-12-28T00:00:00.000Z', '2027-01-04T00:00:00.000Z', '2026-W53']);
    expect(span(cal('weekly'), after)).toEqual(['2026-12-28T00:00:00.000Z', '2027-01-04T00:00:00.000Z', '2026-W53']);
  });

  it('ISO weeks start Monday 00:00 and may belong to the next year', () => {
    expect(span(cal('weekly'), '2027-01-03T23:59:59.999Z')[2]).toBe('2026-W53');
    expect(span(cal('weekly'), '2027-01-04T00:00:00.000Z')).toEqual(['2027-01-04T00:00:00.000Z', '2027-01-11T00:00:00.000Z', '2027-W01']);
    // Monday 2024-12-30 starts 2025-W01.
    expect(span(cal('weekly'), '2024-12-31T10:00:00Z')).toEqual(['2024-12-30T00:00:00.000Z', '2025-01-06T00:00:00.000Z', '2025-W01']);
    expect(span(cal('weekly'), '2024-12-29T23:59:59.999Z')[2]).toBe('2024-W52');
    expect(isoWeek(2021, 1, 3)).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(2026, 3, 8)).toEqual({ year: 2026, week: 10 });
  });
});

describe('calendar periods in America/New_York', () => {
  const ny = (kind: CalendarKind): Period => cal(kind, 'America/New_York');

  it('the spring-forward day (2026-03-08) is 23 hours long', () => {
    const [start, end, label] = span(ny('daily'), '2026-03-08T12:00:00Z');
    expect([start, end, label]).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z', '2026-03-08']);
    expect(t(end) - t(start)).toBe(23 * 3_600_000);
    // 01:59:59.999 EST and 03:00:00.000 EDT are one millisecond apart and on the same day.
    expect(span(ny('daily'), '2026-03-08T06:59:59.999Z')[2]).toBe('2026-03-08');
    expect(span(ny('daily'), '2026-03-08T07:00:00.000Z')[2]).toBe('2026-03-08');
  });

  it('the fall-back day (2026-11-01) is 25 hours long and both 01:30s are on it', () => {
    const [start, end] = span(ny('daily'), '2026-11-01T12:00:00Z');
    expect([start, end]).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(t(end) - t(start)).toBe(25 * 3_600_000);
    expect(span(ny('daily'), '2026-11-01T05:30:00Z')[2]).toBe('2026-11-01'); // 01:30 EDT
    expect(span(ny('daily'), '2026-11-01T06:30:00Z')[2]).toBe('2026-11-01'); // 01:30 EST
  });

  it('local 23:59:59.999 and 00:00:00.000 land in different buckets', () => {
    expect(span(ny('daily'), '2026-03-08T04:59:59.999Z')[2]).toBe('2026-03-07');
    expect(span(ny('daily'), '2026-03-08T05:00:00.000Z')[2]).toBe('2026-03-08');
    expect(span(ny('monthly'), '2026-12-01T04:59:59.999Z')[2]).toBe('2026-11');
    expect(span(ny('monthly'), '2026-12-01T05:00:00.000Z')[2]).toBe('2026-12');
    expect(span(ny('yearly'), '2027-01-01T04:59:59.999Z')[2]).toBe('2026');
    expect(span(ny('yearly'), '2027-01-01T05:00:00.000Z')[2]).toBe('2027');
    // In UTC it is already 2027 at 04:59:59.999Z; in New York it is not.
    expect(span(cal('yearly'), '2027-01-01T04:59:59.999Z')[2]).toBe('2027');
  });

  it('weeks and months that contain a DST change', () => {
    expect(span(ny('weekly'), '2026-03-08T12:00:00Z')).toEqual(['2026-03-02T05:00:00.000Z', '2026-03-09T04:00:00.000Z', '2026-W10']);
    expect(span(ny('weekly'), '2026-03-09T04:00:00.000Z')).toEqual(['2026-03-09T04:00:00.000Z', '2026-03-16T04:00:00.000Z', '2026-W11']);
    expect(span(ny('monthly'), '2026-03-15T00:00:00Z')).toEqual(['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z', '2026-03']);
    expect(span(ny('monthly'), '2026-11-15T00:00:00Z')).toEqual(['2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z', '2026-11']);
    expect(span(ny('yearly'), '2026-07-04T00:00:00Z')).toEqual(['2026-01-01T05:00:00.000Z', '2027-01-01T05:00:00.000Z', '2026']);
  });

  it('Feb 29 2028 in New York', () => {
    expect(span(ny('daily'), '2028-02-29T05:00:00.000Z')).toEqual(['2028-02-29T05:00:00.000Z', '2028-03-01T05:00:00.000Z', '2028-02-29']);
    expect(span(ny('monthly'), '2028-03-01T04:59:59.999Z')).toEqual(['2028-02-01T05:00:00.000Z', '2028-03-01T05:00:00.000Z', '2028-02']);
  });
});

describe('calendar periods in Asia/Kolkata (+05:30) and Asia/Kathmandu (+05:45)', () => {
  it('days start at 18:30Z the day before in Kolkata', () => {
    const k = cal('daily', 'Asia/Kolkata');
    expect(span(k, '2026-01-14T18:29:59.999Z')).toEqual(['2026-01-13T18:30:00.000Z', '2026-01-14T18:30:00.000Z', '2026-01-14']);
    expect(span(k, '2026-01-14T18:30:00.000Z')).toEqual(['2026-01-14T18:30:00.000Z', '2026-01-15T18:30:00.000Z', '2026-01-15']);
  });

  it('Feb 29 2028, month and year ends in Kolkata', () => {
    expect(span(cal('daily', 'Asia/Kolkata'), '2028-02-29T00:00:00Z')).toEqual(['2028-02-28T18:30:00.000Z', '2028-02-29T18:30:00.000Z', '2028-02-29']);
    expect(span(cal('monthly', 'Asia/Kolkata'), '2028-02-10T00:00:00Z')).toEqual(['2028-01-31T18:30:00.000Z', '2028-02-29T18:30:00.000Z', '2028-02']);
    expect(span(cal('yearly', 'Asia/Kolkata'), '2026-12-31T18:29:59.999Z')[2]).toBe('2026');
    expect(span(cal('yearly', 'Asia/Kolkata'), '2026-12-31T18:30:00.000Z')).toEqual(['2026-12-31T18:30:00.000Z', '2027-12-31T18:30:00.000Z', '2027']);
    expect(span(cal('weekly', 'Asia/Kolkata'), '2027-01-03T18:30:00.000Z')).toEqual(['2027-01-03T18:30:00.000Z', '2027-01-10T18:30:00.000Z', '2027-W01']);
  });

  it('Kathmandu days start at 18:15Z', () => {
    const k = cal('daily', 'Asia/Kathmandu');
    expect(span(k, '2026-06-01T18:14:59.999Z')[2]).toBe('2026-06-01');
    expect(span(k, '2026-06-01T18:15:00.000Z')).toEqual(['2026-06-01T18:15:00.000Z', '2026-06-02T18:15:00.000Z', '2026-06-02']);
  });
});

describe('zones with gaps at midnight', () => {
  it('a day whose midnight is skipped starts when the clocks jump (Pacific/Apia skipped 2011-12-30)', () => {
    const apia = cal('daily', 'Pacific/Apia');
    const [start, end, label] = span(apia, '2011-12-29T12:00:00Z');
    expect(label).toBe('2011-12-29');
    const next = bucketAt(apia, t(end));
    expect(next.label).toBe('2011-12-31');
    expect(next.start).toBe(t(end));
    expect(t(end) > t(start)).toBe(true);
  });

  it('instantOf picks the end of a gap and the first of two repeated times', () => {
    // 02:30 does not exist in New York on 2026-03-08: the first instant after is 03:00 EDT = 07:00Z.
    expect(iso(instantOf({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
    // 01:30 happens twice on 2026-11-01: the first is EDT.
    expect(iso(instantOf({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('properties of calendar buckets', () => {
  const zones = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/Santiago', 'Australia/Lord_Howe', 'Europe/London', 'Pacific/Apia', 'America/St_Johns'];
  const kinds: CalendarKind[] = ['daily', 'weekly', 'monthly', 'yearly'];

  it('a bucket contains its instant, starts at local midnight or a gap, and tiles time with its neighbours', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: t('2000-01-01T00:00:00Z'), max: t('2040-01-01T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.constantFrom(...kinds),
        (at, zone, kind) => {
          const period = cal(kind, zone);
          const b = bucketAt(period, at);
          expect(b.start <= at && at < b.end).toBe(true);
          expect(bucketAt(period, b.start)).toEqual(b);
          expect(bucketAt(period, b.end - 1)).toEqual(b);
          expect(bucketAt(period, b.start - 1).end).toBe(b.start);
          expect(bucketAt(period, b.end).start).toBe(b.end);
          const w = wallClock(b.start, zone);
          const before = wallClock(b.start - 1, zone);
          // The instant before a period start reads an earlier calendar date.
          expect(Date.UTC(before.year, before.month - 1, before.day) < Date.UTC(w.year, w.month - 1, w.day)).toBe(true);
          if (kind === 'monthly' || kind === 'yearly') expect(w.day).toBe(1);
          if (kind === 'yearly') expect(w.month).toBe(1);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('rolling windows', () => {
  it('chooses sub-buckets by window length and rejects windows that do not fit', () => {
    expect(granularityOf(30).code).toBe('1m');
    expect(granularityOf(120).code).toBe('1m');
    expect(granularityOf(135).code).toBe('15m');
    expect(granularityOf(24 * 60).code).toBe('15m');
    expect(granularityOf(48 * 60).code).toBe('15m');
    expect(granularityOf(3 * 24 * 60).code).toBe('1d');
    expect(() => granularityOf(125)).toThrow(TallyError);
    expect(() => granularityOf(3 * 24 * 60 + 60)).toThrow(/whole days/);
    expect(() => granularityOf(91 * 24 * 60)).toThrow(/90 days/);
    expect(() => granularityOf(0)).toThrow(TallyError);
    expect(parseWindow('30m')).toBe(30);
    expect(parseWindow('24h')).toBe(1440);
    expect(parseWindow('7d')).toBe(10080);
    expect(parseWindow('90 minutes')).toBe(90);
    expect(() => parseWindow('1w')).toThrow(/not a window/);
    expect(formatWindow(1440)).toBe('1d');
    expect(formatWindow(90)).toBe('90m');
    expect(formatWindow(180)).toBe('3h');
  });

  it('a 30-minute window counts the 30 most recent minute buckets, the current one included', () => {
    const w = windowAt(rolling(30), t('2026-03-08T12:34:56.789Z'));
    expect(w.buckets).toHaveLength(30);
    expect(iso(w.start)).toBe('2026-03-08T12:05:00.000Z');
    expect(iso(w.resetsAt)).toBe('2026-03-08T12:35:00.000Z');
    expect(w.buckets[0]?.label).toBe('2026-03-08T1205Z');
    expect(w.buckets[29]?.label).toBe('2026-03-08T1234Z');
    // The edge: 12:04:59.999 is out, 12:05:00.000 is in.
    const labels = new Set(w.buckets.map((b) => b.label));
    expect(labels.has(bucketAt(rolling(30), t('2026-03-08T12:04:59.999Z')).label)).toBe(false);
    expect(labels.has(bucketAt(rolling(30), t('2026-03-08T12:05:00.000Z')).label)).toBe(true);
  });

  it('slides at every sub-bucket boundary', () => {
    const p = rolling(30);
    const a = windowAt(p, t('2026-03-08T12:34:59.999Z'));
    const b = windowAt(p, t('2026-03-08T12:35:00.000Z'));
    expect(iso(a.start)).toBe('2026-03-08T12:05:00.000Z');
    expect(iso(b.start)).toBe('2026-03-08T12:06:00.000Z');
    expect(b.buckets.slice(0, 29)).toEqual(a.buckets.slice(1));
    expect(periodStart(p, t('2026-03-08T12:35:00.000Z'))).toBe(b.start);
    expect(resetsAt(p, t('2026-03-08T12:35:00.000Z'))).toBe(t('2026-03-08T12:36:00.000Z'));
  });

  it('a 24-hour window is 96 quarter-hours; a 7-day window is 7 UTC days', () => {
    const day = windowAt(rolling(1440), t('2026-03-08T12:07:00Z'));
    expect(day.buckets).toHaveLength(96);
    expect(iso(day.start)).toBe('2026-03-07T12:15:00.000Z');
    expect(iso(day.resetsAt)).toBe('2026-03-08T12:15:00.000Z');
    const week = windowAt(rolling(7 * 1440), t('2026-03-08T12:07:00Z'));
    expect(week.buckets.map((b) => b.label)).toEqual([
      '2026-03-02Z', '2026-03-03Z', '2026-03-04Z', '2026-03-05Z', '2026-03-06Z', '2026-03-07Z', '2026-03-08Z',
    ]);
    expect(iso(week.resetsAt)).toBe('2026-03-09T00:00:00.000Z');
  });

  it('windows of one granularity share counter buckets; calendar periods are keyed by kind and zone', () => {
    expect(counterPeriodId(rolling(30))).toBe(counterPeriodId(rolling(90)));
    expect(counterPeriodId(rolling(30))).not.toBe(counterPeriodId(rolling(1440)));
    expect(counterPeriodId(cal('monthly', 'Asia/Kolkata'))).toBe('monthly@Asia/Kolkata');
    expect(bucketAt(rolling(30), t('2026-03-08T12:34:56Z'))).toEqual(bucketAt(rolling(90), t('2026-03-08T12:34:56Z')));
  });

  it('bucket expiry covers the longest window that reads the bucket, plus grace', () => {
    const b = bucketAt(rolling(30), t('2026-03-08T12:34:56Z'));
    expect(bucketExpiry(rolling(30), b, 1000)).toBe(b.end + 120 * 60_000 + 1000);
    const m = bucketAt(cal('monthly'), t('2026-03-08T12:34:56Z'));
    expect(bucketExpiry(cal('monthly'), m, 1000)).toBe(m.end + 1000);
  });
});

describe('time zones', () => {
  it('canonicalises names and rejects unknown zones', () => {
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    expect(() => canonicalTimeZone('Mars/Olympus')).toThrow(/unknown time zone/);
  });
});

describe('lifetime periods', () => {
  const lifetime: Period = { kind: 'lifetime' };
  it('one bucket holds every instant the store can, 1970 to the end of 2105: an event of any month counts in it', () => {
    for (const at of ['1970-01-01T00:00:00.000Z', '2026-02-28T23:59:59.999Z', '2026-03-01T00:00:00.000Z', '2105-12-31T23:59:59.999Z']) {
      expect(span(lifetime, at)).toEqual(['1970-01-01T00:00:00.000Z', '2106-01-01T00:00:00.000Z', 'all']);
    }
    expect(windowAt(lifetime, t('2026-03-08T12:00:00Z'))).toEqual({ start: 0, resetsAt: t('2106-01-01T00:00:00Z'), buckets: [bucketAt(lifetime, 0)] });
    expect(counterPeriodId(lifetime)).toBe('lifetime');
    // Its counters outlive every process that reads them.
    expect(bucketExpiry(lifetime, bucketAt(lifetime, 0), 0)).toBeGreaterThan(t('2105-12-31T23:59:59.999Z'));
  });
});

