/** The `wallets` operations (wallets.ts) in SQL, over one executor. */
import { formatUsd, parseUsd } from '../../core/money.js';
import { formatDateTime64, parseDateTime64 } from '../../core/time.js';
import { walletCustomersQuery, walletGrantsQuery, walletsVersionQuery, walletUsageQuery, WALLET_GRANTS_TABLE, type WalletGrantTableRow, type WalletUsageRow } from '../queries/wallets.js';
import type { SqlExecutor } from '../types.js';
import type { WalletGrantRow, WalletOperations } from './wallets.js';

const iso = (text: string): string => new Date(parseDateTime64(text) ?? Number.NaN).toISOString();

function toRow(r: WalletGrantTableRow): WalletGrantRow {
  return {
    tenant: r.tenant,
    user: r.user_id,
    seq: r.seq_text,
    grant_id: r.grant_id,
    kind: r.kind === 'void' ? 'void' : 'grant',
    amount: parseUsd(r.amount_text),
    priority: Number(r.priority),
    effective_from: iso(r.effective_from_text),
    expires_at: r.expires_at_text === null ? null : iso(r.expires_at_text),
    source: r.source,
    note: r.note,
    created_at: iso(r.created_at_text),
  };
}

export function createWalletOperations(sql: SqlExecutor): WalletOperations {
  return {
    async rows(tenant, user) {
      return (await sql.query<WalletGrantTableRow>(walletGrantsQuery(tenant, user))).map(toRow);
    },
    async write(rows) {
      await sql.insert(
        WALLET_GRANTS_TABLE,
        rows.map((r) => ({
          tenant: r.tenant, user_id: r.user, seq: r.seq, grant_id: r.grant_id, kind: r.kind, amount: formatUsd(r.amount), priority: r.priority,
          effective_from: formatDateTime64(new Date(r.effective_from)), expires_at: r.expires_at === null ? null : formatDateTime64(new Date(r.expires_at)),
          source: r.source, note: r.note, created_at: formatDateTime64(new Date(r.created_at)),
        })),
      );
    },
    async customers(afterSeq) {
      return (await sql.query<{ tenant: string; user_id: string }>(walletCustomersQuery(afterSeq))).map((r) => ({ tenant: r.tenant, user: r.user_id }));
    },
    async maxSeq() {
      return (await this.marker()).maxSeq;
    },
    async marker() {
      const [row] = await sql.query<{ version: string; rows: string }>(walletsVersionQuery());
      return { maxSeq: row?.version ?? '0', rows: row?.rows ?? '0' };
    },
    async usage(input) {
      return (await sql.query<WalletUsageRow>(walletUsageQuery(input))).map((r) => ({
        day: r.day,
        segment: Number(r.segment),
        price: parseUsd(r.price),
        events: Number(r.events),
      }));
    },
  };
}
