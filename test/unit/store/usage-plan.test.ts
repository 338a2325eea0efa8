import { describe, expect, it } from 'vitest';
import { planSources, segmentsOf } from '../../../src/store/usage/plan.js';

const t = (s: string): number => Date.parse(s);
const shape = (segs: { source: string; from: number; to: number }[]): string[] => segs.map((s) => `${s.source} ${new Date(s.from).toISOString().slice(5, 16)}→${new Date(s.to).toISOString().slice(5, 16)}`);

describe('source plans', () => {
  it('one daily segment for whole UTC days; edges from finer rollups and raw events', () => {
    expect(shape(segmentsOf(t('2025-03-01T00:00Z'), t('2025-03-08T00:00Z'), 'daily'))).toEqual(['daily 03-01T00:00→03-08T00:00']);
    expect(shape(segmentsOf(t('2025-03-01T10:07Z'), t('2025-03-08T05:50Z'), 'daily'))).toEqual([
      'raw 03-01T10:07→03-01T10:15',
      '15m 03-01T10:15→03-01T11:00',
      'hourly 03-01T11:00→03-02T00:00',
      'daily 03-02T00:00→03-08T00:00',
      'hourly 03-08T00:00→03-08T05:00',
      '15m 03-08T05:00→03-08T05:45',
      'raw 03-08T05:45→03-08T05:50',
    ]);
    expect(shape(segmentsOf(t('2025-03-01T10:07Z'), t('2025-03-01T10:12Z'), 'daily'))).toEqual(['raw 03-01T10:07→03-01T10:12']);
    expect(shape(segmentsOf(t('2025-03-01T10:00Z'), t('2025-03-01T13:00Z'), 'daily'))).toEqual(['hourly 03-01T10:00→03-01T13:00']);
  });

  it('bucketed queries never use a grain coarser than the zone allows', () => {
    const base = { from: t('2025-03-01T00:00Z'), to: t('2025-03-08T00:00Z'), filters: {} };
    expect(planSources({ ...base, tz: 'UTC', bucket: 'day' }).segments.map((s) => s.source)).toEqual(['daily']);
    expect(planSources({ ...base, tz: 'UTC', bucket: 'hour' }).segments.map((s) => s.source)).toEqual(['hourly']);
    expect(planSources({ ...base, tz: 'America/New_York', bucket: 'day' }).segments.map((s) => s.source)).toEqual(['hourly']);
    expect(planSources({ ...base, tz: 'Asia/Kolkata', bucket: 'day' }).segments.map((s) => s.source)).toEqual(['15m']);
    expect(planSources({ ...base, tz: 'Asia/Kathmandu', bucket: 'month' }).segments.map((s) => s.source)).toEqual(['15m']);
    expect(planSources({ ...base, tz: 'Asia/Kolkata', bucket: null }).segments.map((s) => s.source)).toEqual(['daily']);
  });

  it('session and tag filters, and source=raw, read raw events for the whole range', () => {
    const base = { from: t('2025-03-01T00:00Z'), to: t('2025-03-08T00:00Z'), tz: 'UTC', bucket: null };
    expect(planSources({ ...base, filters: { session_id: ['s'] } })).toEqual({ segments: [{ source: 'raw', table: 'usage_events', from: base.from, to: base.to }], rawReason: expect.stringMatching(/session_id/) });
    expect(planSources({ ...base, filters: { tags: [{ key: 'a', value: 'b' }] } }).rawReason).toMatch(/tag filters/);
    expect(planSources({ ...base, filters: { user_id: ['u'], model: ['m'], priced: true } }).rawReason).toBeNull();
    expect(planSources({ ...base, filters: {}, source: 'raw' }).rawReason).toMatch(/source=raw/);
  });

  it('reads each segment from the narrowest rollup of its grain that carries the dimensions filtered or grouped by', () => {
    const base = { from: t('2025-03-01T10:00Z'), to: t('2025-03-08T00:00Z'), tz: 'UTC', bucket: null, filters: {} };
    // Each segment as table/grain: every grain of a shape is one table (migration 0023).
    const tablesOf = (p: ReturnType<typeof planSources>): string[] => p.segments.map((s) => `${s.table}/${s.source}`);
    // Per model (the summary): the by-model rollups, hourly edge then days.
    expect(tablesOf(planSources({ ...base, columns: ['model_key', 'model'] }))).toEqual(['usage_rollup_model/hourly', 'usage_rollup_model/daily']);
    // By tenant, nothing else: the smallest table of each grain (by model hourly, by agent daily).
    expect(tablesOf(planSources({ ...base, columns: ['tenant'] }))).toEqual(['usage_rollup_model/hourly', 'usage_rollup_agent/daily']);
    expect(tablesOf(planSources({ ...base, columns: ['agent'], filters: { feature: ['chat'] } }))).toEqual(['usage_rollup_agent/hourly', 'usage_rollup_agent/daily']);
    // By user: a daily by-user rollup; its edges from the full hourly one (no narrow hourly by-user table).
    expect(tablesOf(planSources({ ...base, columns: ['user_id'] }))).toEqual(['usage_rollup_full/hourly', 'usage_rollup_user/daily']);
    // A filter the narrow table lacks moves the segment to a wider one.
    expect(tablesOf(planSources({ ...base, columns: ['agent'], filters: { status: ['error'] } }))).toEqual(['usage_rollup_full/hourly', 'usage_rollup_full/daily']);
    expect(tablesOf(planSources({ ...base, columns: ['model_key', 'model'], filters: { priced: false, provider: ['openai'] } }))).toEqual(['usage_rollup_model/hourly', 'usage_rollup_model/daily']);
    expect(tablesOf(planSources({ ...base, columns: ['model_key', 'model'], filters: { user_id: ['u'] } }))).toEqual(['usage_rollup_full/hourly', 'usage_rollup_full/daily']);
    // Every tenant (no scope) and no tenant among the columns: the all-tenant by-model rollups (0018).
    expect(tablesOf(planSources({ ...base, scope: null, columns: ['model_key', 'model'] }))).toEqual(['usage_rollup_model_all/hourly', 'usage_rollup_model_all/daily']);
    expect(tablesOf(planSources({ ...base, scope: null, columns: ['model_key'], filters: { status: ['error'], priced: true } }))).toEqual(['usage_rollup_model_all/hourly', 'usage_rollup_model_all/daily']);
    expect(tablesOf(planSources({ ...base, scope: null, from: t('2025-03-01T00:00Z'), tz: 'Asia/Kolkata', bucket: 'day', columns: ['model_key'] }))).toEqual(['usage_rollup_model_all/15m']);
    // … but not when grouping by tenant, by a dimension they lack, or for one tenant.
    expect(tablesOf(planSources({ ...base, scope: null, columns: ['tenant'] }))).toEqual(['usage_rollup_model/hourly', 'usage_rollup_agent/daily']);
    expect(tablesOf(planSources({ ...base, scope: null, columns: ['agent'] }))).toEqual(['usage_rollup_agent/hourly', 'usage_rollup_agent/daily']);
    expect(tablesOf(planSources({ ...base, scope: 'acme', columns: ['model_key', 'model'] }))).toEqual(['usage_rollup_model/hourly', 'usage_rollup_model/daily']);
    // Asia/Kolkata days by model: the 15-minute by-model rollup.
    expect(tablesOf(planSources({ ...base, from: t('2025-03-01T00:00Z'), tz: 'Asia/Kolkata', bucket: 'day', columns: ['model_key'] }))).toEqual(['usage_rollup_model/15m']);
  });
});
