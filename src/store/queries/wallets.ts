/**
 * Query objects of wallets (migration 0016_wallet_grants.sql): the grant
 * rows of a customer, and the billed usage that burns them. Every query
 * starts with a `/* tally:wallets.<name> *\/` tag that names it in the
 * server's query log.
 *
 * Usage is `price_total` summed over the current version of each event
 * (FINAL, `sumIf(…, sign = 1)`, as the counter source sums cost), per UTC day
 * and per **segment**: the index of the event's instant among the wallet's
 * grant boundaries (`arrayCount(b -> b <= t, bounds)`), so no sum straddles an
 * instant where a grant starts or ends — what the burn requires.
 */
import { formatDateTime64 } from '../../core/time.js';
import type { SqlQuery } from '../types.js';

export const WALLET_GRANTS_TABLE = 'wallet_grants';

/** A row of `walletGrantsQuery`. */
export interface WalletGrantTableRow {
  readonly tenant: string;
  readonly user_id: string;
  readonly seq_text: string;
  readonly grant_id: string;
  readonly kind: string;
  readonly amount_text: string;
  readonly priority: number | string;
  readonly effective_from_text: string;
  /** null: never expires. */
  readonly expires_at_text: string | null;
  readonly source: string;
  readonly note: string;
  readonly created_at_text: string;
}

const COLUMNS =
  'tenant, user_id, toString(seq) AS seq_text, grant_id, kind, toString(amount) AS amount_text, priority, toString(effective_from) AS effective_from_text, ' +
  'if(isNull(expires_at), NULL, toString(expires_at)) AS expires_at_text, source, note, toString(created_at) AS created_at_text';

/** Every row (grants and voids) of one customer, in creation order. */
export function walletGrantsQuery(tenant: string, user: string): SqlQuery {
  return {
    sql: `/* tally:wallets.grants */
SELECT ${COLUMNS}
FROM wallet_grants FINAL
WHERE tenant = {tenant:String} AND user_id = {user:String}
ORDER BY seq`,
    params: { tenant, user },
  };
}

/** Every customer with at least one row: `{tenant, user_id}`, sorted. */
export function walletCustomersQuery(afterSeq?: string): SqlQuery {
  return {
    sql: `/* tally:wallets.customers */
SELECT DISTINCT tenant, user_id
FROM wallet_grants${afterSeq === undefined ? '' : '\nWHERE seq > {after:UInt64}'}
ORDER BY tenant, user_id`,
    ...(afterSeq === undefined ? {} : { params: { after: afterSeq } }),
  };
}

/** The highest seq (0 when empty) and the rows stored: together, the change marker. */
export function walletsVersionQuery(): SqlQuery {
  return { sql: '/* tally:wallets.version */\nSELECT toString(max(seq)) AS version, toString(count()) AS rows FROM wallet_grants' };
}

/** A row of `walletUsageQuery`. */
export interface WalletUsageRow {
  /** `YYYY-MM-DD`. */
  readonly day: string;
  readonly segment: number | string;
  /** Decimal text, femto-USD scale 15. */
  readonly price: string;
  readonly events: string;
}

export interface WalletUsageInput {
  readonly tenant: string;
  /** One user's events, or null for every event of the tenant. */
  readonly user: string | null;
  /** [from, to), epoch ms. */
  readonly from: number;
  readonly to: number;
  /** Sorted instants (epoch ms) that split segments. */
  readonly bounds: readonly number[];
}

/** Billed usage of a customer per (UTC day, segment), in order. */
export function walletUsageQuery(input: WalletUsageInput): SqlQuery {
  const params: Record<string, unknown> = {
    tenant: input.tenant,
    from: formatDateTime64(new Date(input.from)),
    to: formatDateTime64(new Date(input.to)),
    bounds: input.bounds,
  };
  const where = ['tenant = {tenant:String}', "occurred_at >= {from:DateTime64(3, 'UTC')}", "occurred_at < {to:DateTime64(3, 'UTC')}"];
  if (input.user !== null) {
    where.push('user_id = {user:String}');
    params.user = input.user;
  }
  return {
    sql: `/* tally:wallets.usage */
SELECT
    toString(toDate(occurred_at, 'UTC')) AS day,
    arrayCount(b -> b <= toUnixTimestamp64Milli(occurred_at), {bounds:Array(Int64)}) AS segment,
    toString(sumIf(toDecimal256(price_total, 15), sign = 1)) AS price,
    toString(countIf(sign = 1)) AS events
FROM usage_events FINAL
WHERE ${where.join('\n  AND ')}
GROUP BY day, segment
ORDER BY day, segment`,
    params,
  };
}
