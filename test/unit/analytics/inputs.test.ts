import { describe, expect, it } from 'vitest';
import { parseBreakdown, parseLatency, parseRecords, parseSession, parseSummary, parseTimeseries } from '../../../src/analytics/inputs.js';
import { TallyError } from '../../../src/core/errors.js';

const NOW = Date.parse('2025-03-20T10:17:00Z');

function errorsOf(fn: () => unknown): { path: string; reason: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TallyError);
    expect((err as TallyError).code).toBe('VALIDATION_FAILED');
    return (err as TallyError).details.errors as { path: string; reason: string }[];
  }
  throw new Error('expected VALIDATION_FAILED');
}

describe('common parameters', () => {
  it('default to the 30 days up to now in UTC, with no filters: up to the end of the current quarter hour (issue 13)', () => {
    const end = Math.ceil(NOW / 900_000) * 900_000;
    expect(end).toBeGreaterThan(NOW);
    expect(parseSummary({}, NOW)).toEqual({ from: end - 30 * 86_400_000, to: end, tz: 'UTC', filters: {}, source: 'auto', measures: null });
    expect(parseSummary({ to: new Date(NOW).toISOString() }, NOW)).toMatchObject({ from: NOW - 30 * 86_400_000, to: NOW });
  });

  it('read dates and local times in tz, RFC 3339 with any offset', () => {
    const q = parseSummary({ from: '2025-03-09', to: '2025-03-10T09:30', tz: 'america/new_york' }, NOW);
    expect(q.tz).toBe('America/New_York');
    expect(new Date(q.from).toISOString()).toBe('2025-03-09T05:00:00.000Z'); // midnight EST; the clocks jump at 2:00
    expect(new Date(q.to).toISOString()).toBe('2025-03-10T13:30:00.000Z'); // 09:30 EDT
    expect(parseSummary({ from: '2025-03-01T00:00:00+05:30', to: '2025-03-01T12:00:00.250Z' }, NOW)).toMatchObject({ from: Date.parse('2025-02-28T18:30:00Z'), to: Date.parse('2025-03-01T12:00:00.250Z') });
    expect(parseSummary({ tz: 'Asia/Kolkata', from: '2025-03-01', to: '2025-03-02' }, NOW)).toMatchObject({ tz: 'Asia/Kolkata', from: Date.parse('2025-02-28T18:30:00Z') });
  });

  it('take repeated filters as lists, tags as key=value, priced as a boolean', () => {
    const q = parseSummary({ user_id: ['a', 'b'], model: 'gpt-4o', tag: ['env=prod', 'note=a=b'], priced: 'false', status: ['ok', 'error'] }, NOW);
    expect(q.filters).toEqual({ user_id: ['a', 'b'], model: ['gpt-4o'], status: ['ok', 'error'], priced: false, tags: [{ key: 'env', value: 'prod' }, { key: 'note', value: 'a=b' }] });
  });

  it('report every mistake at once, each naming its field', () => {
    const errors = errorsOf(() => parseSummary({ from: 'yesterday', to: '2025-02-30', tz: 'Mars/Olympus', user_id: ['ok', ''], status: 'broken', priced: 'maybe', tag: 'novalue', tenant: 'x', colour: 'blue' }, NOW));
    expect(errors.map((e) => e.path).sort()).toEqual(['colour', 'from', 'priced', 'status[0]', 'tag[0]', 'tenant', 'to', 'tz', 'user_id[1]'].sort());
    expect(errors.find((e) => e.path === 'colour')?.reason).toBe('is not a parameter of this query');
    expect(errors.find((e) => e.path === 'tz')?.reason).toMatch(/IANA time zone/);
    expect(errors.find((e) => e.path === 'status[0]')?.reason).toMatch(/must be one of ok, error, cancelled/);
  });

  it('refuse an empty or inverted range, and single-valued parameters given twice', () => {
    expect(errorsOf(() => parseSummary({ from: '2025-03-02', to: '2025-03-01' }, NOW))).toEqual([{ path: 'to', reason: 'must be after from' }]);
    expect(errorsOf(() => parseSummary({ from: '2025-04-01' }, NOW))).toEqual([expect.objectContaining({ path: 'from' })]);
    expect(errorsOf(() => parseSummary({ tz: ['UTC', 'Europe/Berlin'] }, NOW))).toEqual([{ path: 'tz', reason: 'may be given only once' }]);
    expect(errorsOf(() => parseSummary({ user_id: Array.from({ length: 101 }, (_, i) => `u${i}`) }, NOW))).toEqual([{ path: 'user_id', reason: 'may be given at most 100 times' }]);
  });
});

describe('per query', () => {
  it('breakdown: by (repeated or comma-separated, at most two, no repeats) and/or bucket; sort, order, limit', () => {
    expect(parseBreakdown({ by: 'model_key,user_id', sort: 'total_tokens', order: 'asc', limit: '5' }, NOW)).toMatchObject({ by: ['model_key', 'user_id'], bucket: null, sort: 'total_tokens', order: 'asc', limit: 5 });
    expect(parseBreakdown({ by: ['agent'], bucket: 'week' }, NOW)).toMatchObject({ by: ['agent'], bucket: 'week', sort: 'cost_total', order: 'desc', limit: 100 });
    expect(errorsOf(() => parseBreakdown({}, NOW))).toEqual([expect.objectContaining({ path: 'by' })]);
    expect(errorsOf(() => parseBreakdown({ by: 'user_id,user_id' }, NOW))).toEqual([{ path: 'by', reason: 'names a dimension twice' }]);
    expect(errorsOf(() => parseBreakdown({ by: 'colour,user_id' }, NOW))).toEqual([{ path: 'by[0]', reason: expect.stringMatching(/^must be one of tenant, user_id, group/) }]);
    expect(errorsOf(() => parseBreakdown({ by: 'user_id,agent,model' }, NOW))).toEqual([{ path: 'by', reason: 'may be given at most 2 times' }]);
    expect(errorsOf(() => parseBreakdown({ by: 'user_id', limit: '0', sort: 'vibes', bucket: 'fortnight' }, NOW)).map((e) => e.path).sort()).toEqual(['bucket', 'limit', 'sort']);
    expect(errorsOf(() => parseBreakdown({ by: 'user_id', limit: '1.5' }, NOW))).toEqual([{ path: 'limit', reason: 'must be a whole number (got "1.5")' }]);
  });

  it('timeseries: day and cost_total by default; measure all; stack_by one dimension', () => {
    expect(parseTimeseries({}, NOW)).toMatchObject({ bucket: 'day', measure: 'cost_total', stackBy: null, limit: 10 });
    expect(parseTimeseries({ measure: 'all', stack_by: 'model_key', limit: '3', bucket: 'hour' }, NOW)).toMatchObject({ bucket: 'hour', measure: 'all', stackBy: 'model_key', limit: 3 });
    expect(errorsOf(() => parseTimeseries({ stack_by: 'model_key,user_id' }, NOW))).toEqual([expect.objectContaining({ path: 'stack_by' })]);
  });

  it('records, latency and sessions', () => {
    expect(parseRecords({ cursor: 'r1.x' }, NOW)).toMatchObject({ limit: 50, cursor: 'r1.x', eventIds: [] });
    expect(parseRecords({ event_id: 'ev-1' }, NOW)).toMatchObject({ eventIds: ['ev-1'] });
    expect(parseRecords({ event_id: ['ev-1', 'ev-2'] }, NOW)).toMatchObject({ eventIds: ['ev-1', 'ev-2'] });
    expect(errorsOf(() => parseRecords({ event_id: '' }, NOW))).toEqual([expect.objectContaining({ path: 'event_id[0]' })]);
    // Records only: the summed queries do not take it.
    expect(errorsOf(() => parseSummary({ event_id: 'ev-1' }, NOW))).toEqual([{ path: 'event_id', reason: 'is not a parameter of this query' }]);
    expect(errorsOf(() => parseRecords({ limit: '1001' }, NOW))).toEqual([{ path: 'limit', reason: 'must be at most 1000' }]);
    expect(parseLatency({ by: 'provider' }, NOW).by).toBe('provider');
    expect(errorsOf(() => parseLatency({ by: 'user_id' }, NOW))).toEqual([expect.objectContaining({ path: 'by' })]);
    expect(parseSession('s-1', {})).toEqual({ id: 's-1', from: null, to: null, tz: 'UTC', filters: {} });
    expect(errorsOf(() => parseSession('', {}))).toEqual([{ path: 'id', reason: 'must not be empty' }]);
  });
});
