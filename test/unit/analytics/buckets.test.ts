import { describe, expect, it } from 'vitest';
import { bucketStart, enumerateBuckets } from '../../../src/analytics/buckets.js';
import { parseInstant, resolveTimeZone } from '../../../src/analytics/time.js';
import { formatInstant } from '../../../src/core/time.js';

const t = (s: string): number => Date.parse(s);
const fmt = (list: number[], tz: string): string[] => list.map((m) => formatInstant(m, tz));

describe('buckets in a zone', () => {
  it('days across the New York spring-forward and fall-back are 23 and 25 hours', () => {
    expect(fmt(enumerateBuckets(t('2025-03-08T12:00Z'), t('2025-03-11T00:00Z'), 'day', 'America/New_York'), 'America/New_York')).toEqual([
      '2025-03-08T00:00:00-05:00', '2025-03-09T00:00:00-05:00', '2025-03-10T00:00:00-04:00',
    ]);
    const days = enumerateBuckets(t('2025-11-01T12:00Z'), t('2025-11-04T00:00Z'), 'day', 'America/New_York');
    expect((days[2]! - days[1]!) / 3_600_000).toBe(25);
  });

  it('the repeated fall-back hour is two buckets; Kolkata hours start at :30 UTC', () => {
    const hours = enumerateBuckets(t('2025-11-02T04:00Z'), t('2025-11-02T07:00Z'), 'hour', 'America/New_York');
    expect(fmt(hours, 'America/New_York')).toEqual(['2025-11-02T00:00:00-04:00', '2025-11-02T01:00:00-04:00', '2025-11-02T01:00:00-05:00']);
    expect(fmt([bucketStart(t('2025-03-01T10:10Z'), 'hour', 'Asia/Kolkata')], 'UTC')).toEqual(['2025-03-01T09:30:00Z']);
    expect(fmt([bucketStart(t('2025-03-01T10:10Z'), 'hour', 'Asia/Kathmandu')], 'UTC')).toEqual(['2025-03-01T09:15:00Z']); // 15:55 at +05:45 → 15:00 local
  });

  it('weeks start on Monday, months on the 1st, at local midnight', () => {
    expect(fmt([bucketStart(t('2025-03-12T02:00Z'), 'week', 'America/New_York')], 'America/New_York')).toEqual(['2025-03-10T00:00:00-04:00']);
    expect(fmt([bucketStart(t('2025-03-09T04:00Z'), 'week', 'America/New_York')], 'America/New_York')).toEqual(['2025-03-03T00:00:00-05:00']); // Saturday 23:00 EST
    expect(fmt(enumerateBuckets(t('2025-01-15T00:00Z'), t('2025-04-01T00:00Z'), 'month', 'Asia/Kolkata'), 'Asia/Kolkata')).toEqual([
      '2025-01-01T00:00:00+05:30', '2025-02-01T00:00:00+05:30', '2025-03-01T00:00:00+05:30', '2025-04-01T00:00:00+05:30',
    ]);
  });

  it('a day whose midnight is skipped starts when the clocks jump (as ClickHouse toStartOfDay)', () => {
    expect(fmt([bucketStart(t('2024-09-08T12:00Z'), 'day', 'America/Santiago')], 'UTC')).toEqual(['2024-09-08T04:00:00Z']);
  });
});

describe('times and zones', () => {
  it('resolves zone names as ClickHouse and Intl both take them', () => {
    expect(resolveTimeZone('utc')).toBe('UTC');
    expect(resolveTimeZone('america/new_york')).toBe('America/New_York');
    expect(resolveTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(resolveTimeZone('Mars/Olympus')).toBeNull();
    expect(resolveTimeZone("UTC'; DROP")).toBeNull();
  });

  it('parses RFC 3339, dates and local times; refuses impossible dates', () => {
    expect(parseInstant('2025-03-01T00:00:00.123456789-03:30', 'UTC')).toBe(t('2025-03-01T03:30:00.123Z'));
    expect(parseInstant('2025-03-09T02:30', 'America/New_York')).toBe(t('2025-03-09T07:00:00Z')); // skipped: the jump
    expect(parseInstant('2025-02-29', 'UTC')).toBeNull();
    expect(parseInstant('2025-03-01T24:00:00Z', 'UTC')).toBeNull();
    expect(parseInstant('last tuesday', 'UTC')).toBeNull();
  });
});
