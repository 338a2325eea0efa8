/**
 * Wallets as JSON (the API's answers, `tally wallet … --json`): money as USD
 * decimal text, instants as RFC 3339.
 */
import { formatUsd } from '../core/money.js';
import type { Grant } from './grants.js';
import type { WalletLedger, WalletState, GrantState } from './wallet.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function grantJson(g: Grant): Record<string, unknown> {
  return {
    id: g.id, tenant: g.tenant, user: g.user, amount: formatUsd(g.amount), priority: g.priority, effective_from: iso(g.effectiveFrom),
    expires_at: g.expiresAt === null ? null : iso(g.expiresAt), voided_at: g.voidedAt === null ? null : iso(g.voidedAt), source: g.source, note: g.note, created_at: iso(g.createdAt),
  };
}

function grantStateJson(s: GrantState): Record<string, unknown> {
  return { ...grantJson(s.grant), status: s.status, remaining: formatUsd(s.remaining), burned: formatUsd(s.burned), lost: formatUsd(s.lost) };
}

export function walletJson(w: WalletState): Record<string, unknown> {
  return { tenant: w.customer.tenant, user: w.customer.user, as_of: iso(w.at), balance: formatUsd(w.balance), granted: formatUsd(w.granted), grants: w.grants.map(grantStateJson) };
}

export function ledgerJson(l: WalletLedger): Record<string, unknown> {
  return {
    tenant: l.customer.tenant, user: l.customer.user, from: iso(l.from), to: iso(l.to), opening_balance: formatUsd(l.opening), closing_balance: formatUsd(l.closing),
    lines: l.steps.map((s) =>
      s.kind === 'burn'
        ? { kind: 'burn', from: iso(s.from), to: iso(s.to), usage: formatUsd(s.usage), events: s.events, burned: formatUsd(s.usage - s.uncovered), uncovered: formatUsd(s.uncovered), grants: s.burned.map((b) => ({ grant_id: b.grantId, amount: formatUsd(b.amount) })), balance: formatUsd(s.balance) }
        : s.kind === 'grant'
          ? { kind: 'grant', at: iso(s.at), grant_id: s.grant.id, source: s.grant.source, amount: formatUsd(s.grant.amount), balance: formatUsd(s.balance) }
          : { kind: s.kind, at: iso(s.at), grant_id: s.grant.id, source: s.grant.source, amount: formatUsd(s.amount), balance: formatUsd(s.balance) },
    ),
  };
}
