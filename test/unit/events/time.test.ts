import { describe, expect, it } from 'vitest';
import { normalizeTimestamp, parseTimestamp } from '../../../src/events/time.js';

describe('RFC 3339 timestamps', () => {
  it.each([
    ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31t12:00:00z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31 12:00:00.5Z', '2026-01-31T12:00:00.500Z'],
    ['2026-01-31T12:00:00.123456789Z', '2026-01-31T12:00:00.123Z'],
    ['2026-01-31T23:59:59.999999999Z', '2026-01-31T23:59:59.999Z'],
    ['2026-01-31T12:00:00+02:00', '2026-01-31T10:00:00.000Z'],
    ['2026-01-01T00:30:00-01:00', '2026-01-01T01:30:00.000Z'],
    ['2026-01-01T00:30:00.000+05:45', '2025-12-31T18:45:00.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
  ])('%s → %s', (input, stored) => {
    expect(normalizeTimestamp(input)).toBe(stored);
  });

  it('truncates sub-millisecond digits, never rounding into the next millisecond', () => {
    expect(parseTimestamp('2026-12-31T23:59:59.9999Z')).toBe(Date.UTC(2026, 11, 31, 23, 59, 59, 999));
  });

  it.each([
    '2026-02-29T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-31T24:00:00Z',
    '2026-01-31T12:60:00Z',
    '2026-01-31T12:00:00+24:00',
    '2026-01-31T12:00:00',
    '2026-01-31',
    '1969-12-31T23:59:59Z',
    '0070-01-01T00:00:00Z',
    '2026-01-31T12:00:00.1234567890Z',
    'yesterday',
  ])('rejects %s', (input) => {
    expect(parseTimestamp(input)).toBeNull();
  });
});

describe('stored range', () => {
  it('refuses instants a rollup bucket (ClickHouse DateTime, to 2106-02-07) cannot hold: after 2105 (issue #10: 2120, 2200 and 2299 were stored inconsistently)', () => {
    expect(parseTimestamp('2105-12-31T23:59:59.999Z')).toBe(Date.UTC(2105, 11, 31, 23, 59, 59, 999));
    expect(parseTimestamp('2106-01-01T00:00:00Z')).toBeNull();
    expect(parseTimestamp('2120-01-01T00:00:00Z')).toBeNull();
    expect(parseTimestamp('2299-12-31T23:59:59.999Z')).toBeNull();
    expect(parseTimestamp('1970-01-01T00:00:00Z')).toBe(0);
    expect(parseTimestamp('1969-12-31T23:59:59.999Z')).toBeNull();
  });
});
