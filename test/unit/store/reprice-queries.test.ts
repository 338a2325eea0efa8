/** Re-pricing's query objects pin their SQL text; values are always parameters. */
import { describe, expect, it } from 'vitest';
import { repriceAuditRow, repricePageQuery } from '../../../src/store/queries/reprices.js';

const PAGE_SQL = `SELECT * FROM usage_events FINAL
WHERE sign = 1
  AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND ({tenant:String} = '' OR tenant = {tenant:String})
  AND ({model:String} = '' OR model = {model:String} OR model_key = {model:String})
  AND (occurred_at, event_id) > ({after_at:DateTime64(3, 'UTC')}, {after_id:String})
ORDER BY occurred_at, event_id
LIMIT {limit:UInt32}`;

describe('reprice query objects', () => {
  const from = new Date('2026-03-01T00:00:00Z');
  const to = new Date('2026-03-02T00:00:00Z');

  it('pins the page SQL: current uncancelled versions, keyset-paged; the first page starts before every event', () => {
    expect(repricePageQuery({ from, to, limit: 2000 })).toEqual({
      sql: PAGE_SQL,
      params: {
        from: '2026-03-01 00:00:00.000', to: '2026-03-02 00:00:00.000', tenant: '', model: '',
        after_at: '1970-01-01 00:00:00.000', after_id: '', limit: 2000,
      },
    });
  });

  it('binds the tenant, the model and the position to resume after', () => {
    const q = repricePageQuery({ from, to, tenant: "acme'", model: 'gpt-4o', after: { occurredAt: '2026-03-01 10:00:00.123', eventId: 'e-9' }, limit: 5 });
    expect(q.sql).toBe(PAGE_SQL);
    expect(q.params).toEqual({
      from: '2026-03-01 00:00:00.000', to: '2026-03-02 00:00:00.000', tenant: "acme'", model: 'gpt-4o',
      after_at: '2026-03-01 10:00:00.123', after_id: 'e-9', limit: 5,
    });
  });

  it('builds the audit row of a run', () => {
    expect(repriceAuditRow({
      repriceId: 'r-1', startedAt: from, finishedAt: new Date('2026-03-01T00:00:01.5Z'), from, to, tenant: '', model: 'gpt-4o',
      examined: 10, changed: 2, costBefore: '1.5', costAfter: '1.25', priceFiles: ['prices.yaml'],
    })).toEqual({
      reprice_id: 'r-1', started_at: '2026-03-01 00:00:00.000', finished_at: '2026-03-01 00:00:01.500',
      range_from: '2026-03-01 00:00:00.000', range_to: '2026-03-02 00:00:00.000', tenant: '', model: 'gpt-4o',
      examined: 10, changed: 2, cost_before: '1.5', cost_after: '1.25', price_files: ['prices.yaml'],
    });
  });
});
