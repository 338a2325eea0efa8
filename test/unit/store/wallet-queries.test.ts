/** The wallet queries (src/store/queries/wallets.ts): every value bound, the SQL pinned. */
import { describe, expect, it } from 'vitest';
import { walletGrantsQuery, walletUsageQuery } from '../../../src/store/queries/wallets.js';

describe('wallet queries', () => {
  it('usage: price_total of current events per UTC day and grant segment, one user or the whole tenant', () => {
    const q = walletUsageQuery({ tenant: 'acme', user: 'bob', from: 0, to: 86_400_000, bounds: [0, 3_600_000] });
    expect(q.params).toEqual({ tenant: 'acme', user: 'bob', from: '1970-01-01 00:00:00.000', to: '1970-01-02 00:00:00.000', bounds: [0, 3_600_000] });
    expect(q.sql).toMatchInlineSnapshot(`
      "/* tally:wallets.usage */
      SELECT
          toString(toDate(occurred_at, 'UTC')) AS day,
          arrayCount(b -> b <= toUnixTimestamp64Milli(occurred_at), {bounds:Array(Int64)}) AS segment,
          toString(sumIf(toDecimal256(price_total, 15), sign = 1)) AS price,
          toString(countIf(sign = 1)) AS events
      FROM usage_events FINAL
      WHERE tenant = {tenant:String}
        AND occurred_at >= {from:DateTime64(3, 'UTC')}
        AND occurred_at < {to:DateTime64(3, 'UTC')}
        AND user_id = {user:String}
      GROUP BY day, segment
      ORDER BY day, segment"
    `);
    expect(walletUsageQuery({ tenant: 'acme', user: null, from: 0, to: 1, bounds: [] }).sql).not.toContain('user_id');
  });

  it('grants: one customer\'s rows in creation order', () => {
    const q = walletGrantsQuery('acme', '');
    expect(q.params).toEqual({ tenant: 'acme', user: '' });
    expect(q.sql).toContain('ORDER BY seq');
    expect(q.sql).toMatch(/^\/\* tally:wallets\.grants \*\//);
  });
});
