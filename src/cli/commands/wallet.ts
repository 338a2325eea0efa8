/**
 * `tally wallet show|grant|ledger|void|alerts` (issue 16 item 2, docs/billing.md
 * "Wallets"): a customer's prepaid credits, in the configured analytics store
 * or through a running API with `--url` (the only way to reach `tally
 * start`'s embedded store while it runs). `--json` prints what the API
 * answers. A customer is `--tenant T`, or `--tenant T --user U`.
 */
import { ERROR_CATALOG, TallyError, validationError, type ErrorCode } from '../../core/errors.js';
import { parseRfc3339 } from '../../core/time.js';
import { Wallets } from '../../billing/wallet.js';
import { grantJson, ledgerJson, walletJson } from '../../billing/wallet-json.js';
import { describeStore, openStore } from '../../runtime/adapters.js';
import { cliContext } from '../context.js';
import { printJson, renderTable } from '../output.js';
import type { BackendFlags } from './budgets-backend.js';
import { enforcementJson } from '../../api/routes/wallet.js';
import type { Budget } from '../../budgets/model.js';
import { createStoreBudgetRepository } from '../../budgets/repository-store.js';
import { WalletBudgets } from '../../runtime/wallet-budgets.js';

export interface WalletFlags extends BackendFlags {
  readonly tenant?: string;
  readonly user?: string;
  readonly json?: boolean;
  readonly amount?: string;
  readonly id?: string;
  readonly priority?: string;
  readonly effectiveFrom?: string;
  readonly expiresAt?: string;
  readonly source?: string;
  readonly note?: string;
  readonly from?: string;
  readonly to?: string;
  readonly grant?: string;
  /** alerts: the low-balance amounts, comma-separated USD ('' for none). */
  readonly below?: string;
}

type Json = Record<string, unknown>;
type Customer = { tenant: string; user: string };

interface Backend {
  readonly describe: string;
  show(c: Customer): Promise<Json>;
  ledger(c: Customer, from?: string, to?: string): Promise<Json>;
  grant(c: Customer, body: Json): Promise<Json>;
  void(c: Customer, id: string): Promise<Json>;
  alerts(c: Customer, below: readonly string[]): Promise<Json>;
  close(): Promise<void>;
}

function httpBackend(base: string, apiKey: string | undefined): Backend {
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(new URL(path, base), {
      method,
      headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const parsed = (await res.json().catch(() => ({}))) as Json & { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (!res.ok) {
      const code = parsed.error?.code !== undefined && parsed.error.code in ERROR_CATALOG ? (parsed.error.code as ErrorCode) : 'INTERNAL';
      throw new TallyError(code, parsed.error?.message ?? `HTTP ${res.status}`, { details: parsed.error?.details ?? {} });
    }
    return parsed;
  };
  const path = (c: Customer, tail: string, query: Record<string, string | undefined> = {}): string => {
    const q = new URLSearchParams();
    if (c.user !== '') q.set('user', c.user);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
    const qs = q.toString();
    return `/v1/customers/${encodeURIComponent(c.tenant)}/wallet${tail}${qs ? `?${qs}` : ''}`;
  };
  return {
    describe: base,
    show: (c) => call('GET', path(c, '')),
    ledger: (c, from, to) => call('GET', path(c, '/ledger', { from, to })),
    grant: (c, body) => call('POST', path(c, '/grants'), body),
    void: (c, id) => call('DELETE', path(c, `/grants/${encodeURIComponent(id)}`)),
    alerts: (c, below) => call('PUT', path(c, '/alerts'), { below }),
    close: async () => undefined,
  };
}

function instant(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseRfc3339(text);
  if (ms === null) throw validationError([{ path: flag, reason: 'must be an RFC 3339 timestamp with a time zone, e.g. 2026-11-01T00:00:00Z' }]);
  return ms;
}

async function openBackend(flags: WalletFlags): Promise<Backend> {
  if (flags.url) return httpBackend(flags.url, flags.apiKey ?? process.env.TALLY_API_KEY);
  const { config, logger } = cliContext(flags, { logLevel: process.env.LOG_LEVEL ?? 'warn' });
  const store = await openStore(config, logger);
  const wallets = new Wallets(store.wallets);
  const repository = createStoreBudgetRepository(store, { logger });
  const keeper = (enforcement: 'hard' | 'soft'): WalletBudgets =>
    new WalletBudgets({ wallets, repository, enforcement, alertBelow: [], pollMs: 1_000, logger, created: async () => undefined, updated: async () => undefined });
  const budgetOf = async (c: Customer): Promise<Budget | null> => keeper('hard').existing(c);
  return {
    describe: describeStore(config),
    show: async (c) => ({ ...walletJson(await wallets.state(c)), enforcement: enforcementJson(await budgetOf(c)) }),
    ledger: async (c, from, to) => {
      const f = instant(from, '--from');
      const t = instant(to, '--to');
      return ledgerJson(await wallets.ledger(c, { ...(f === undefined ? {} : { from: f }), ...(t === undefined ? {} : { to: t }) }));
    },
    grant: async (c, body) => grantJson((await wallets.grants.add(c, body)).grant),
    void: async (c, id) => grantJson(await wallets.grants.void(c, id)),
    alerts: async (c, below) => {
      // Only the API process (`tally api`, `tally start`) creates a wallet's budget: it also fills the budget's counters from the store.
      const existing = await budgetOf(c);
      if (existing === null) throw new TallyError('NOT_FOUND', 'the wallet has no budget yet: the API process (tally api or tally start) makes it when it sees the first grant; run this with --url, or once it runs');
      return enforcementJson(await keeper(existing.enforcement).setAlerts(c, below)) ?? {};
    },
    close: () => store.close(),
  };
}

async function withBackend(flags: WalletFlags, work: (b: Backend) => Promise<void>): Promise<void> {
  const backend = await openBackend(flags);
  try {
    await work(backend);
  } finally {
    await backend.close();
  }
}

function customerOf(flags: WalletFlags): Customer {
  if (!flags.tenant) throw new TallyError('VALIDATION_FAILED', '--tenant is required: the customer is a tenant (and --user for one user of it)');
  return { tenant: flags.tenant, user: flags.user ?? '' };
}

const who = (c: Customer): string => (c.user === '' ? c.tenant : `${c.tenant} / user ${c.user}`);
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

export async function runWalletShow(flags: WalletFlags): Promise<void> {
  const c = customerOf(flags);
  await withBackend(flags, async (b) => {
    const w = await b.show(c);
    if (flags.json) return printJson(w);
    const grants = w.grants as Json[];
    process.stdout.write(`${who(c)}: balance ${text(w.balance)} USD of ${text(w.granted)} granted (live grants), as of ${text(w.as_of)}\n`);
    if (grants.length === 0) return void process.stdout.write('no grants\n');
    process.stdout.write(
      renderTable<Json>(
        ['id', 'status', 'amount', 'remaining', 'burned', 'lost', 'priority', 'effective_from', 'expires_at', 'source'].map((k) => ({ header: k, value: (g: Json) => text(g[k]) })),
        grants,
      ),
    );
  });
}

export async function runWalletGrant(flags: WalletFlags): Promise<void> {
  const c = customerOf(flags);
  if (flags.amount === undefined) throw new TallyError('VALIDATION_FAILED', '--amount is required: USD, e.g. 25.00');
  let priority: number | undefined;
  if (flags.priority !== undefined) {
    priority = Number(flags.priority);
    if (!Number.isInteger(priority)) throw validationError([{ path: '--priority', reason: 'must be an integer' }]);
  }
  const body: Json = {
    amount: flags.amount,
    ...(flags.id === undefined ? {} : { id: flags.id }),
    ...(priority === undefined ? {} : { priority }),
    ...(flags.effectiveFrom === undefined ? {} : { effective_from: flags.effectiveFrom }),
    ...(flags.expiresAt === undefined ? {} : { expires_at: flags.expiresAt }),
    ...(flags.source === undefined ? {} : { source: flags.source }),
    ...(flags.note === undefined ? {} : { note: flags.note }),
  };
  await withBackend(flags, async (b) => {
    const g = await b.grant(c, body);
    if (flags.json) return printJson(g);
    process.stdout.write(`granted ${text(g.amount)} USD to ${who(c)} as ${text(g.id)} (${text(g.source)}, priority ${text(g.priority)}, from ${text(g.effective_from)}${g.expires_at ? `, expires ${text(g.expires_at)}` : ''})\n`);
  });
}

export async function runWalletVoid(flags: WalletFlags): Promise<void> {
  const c = customerOf(flags);
  if (!flags.grant) throw new TallyError('VALIDATION_FAILED', '--grant is required: the id of the grant to void');
  const id = flags.grant;
  await withBackend(flags, async (b) => {
    const g = await b.void(c, id);
    if (flags.json) return printJson(g);
    process.stdout.write(`voided ${text(g.id)} of ${who(c)} at ${text(g.voided_at)}: its unburned remainder is gone\n`);
  });
}

export async function runWalletAlerts(flags: WalletFlags): Promise<void> {
  const c = customerOf(flags);
  if (flags.below === undefined) throw new TallyError('VALIDATION_FAILED', '--below is required: USD amounts, comma-separated (e.g. 10,1), or "" for none');
  const below = flags.below.split(',').map((x) => x.trim()).filter((x) => x !== '');
  await withBackend(flags, async (b) => {
    const e = await b.alerts(c, below);
    if (flags.json) return printJson(e);
    const amounts = (e.alert_below as string[] | undefined) ?? [];
    process.stdout.write(amounts.length === 0 ? `${who(c)}: no low-balance alerts\n` : `${who(c)}: a low-balance alert when the balance falls to ${amounts.map((a) => `${a} USD`).join(', ')} (budget ${text(e.budget_id)}, ${text(e.enforcement)})\n`);
  });
}

export async function runWalletLedger(flags: WalletFlags): Promise<void> {
  const c = customerOf(flags);
  await withBackend(flags, async (b) => {
    const l = await b.ledger(c, flags.from, flags.to);
    if (flags.json) return printJson(l);
    process.stdout.write(`${who(c)}: ${text(l.from)} – ${text(l.to)}, opening balance ${text(l.opening_balance)} USD\n`);
    const lines = l.lines as Json[];
    process.stdout.write(
      renderTable<Json>(
        [
          { header: 'when', value: (r) => text(r.at ?? r.from) },
          { header: 'kind', value: (r) => text(r.kind) },
          { header: 'grant', value: (r) => (r.kind === 'burn' ? (r.grants as Json[]).map((g) => `${text(g.grant_id)} ${text(g.amount)}`).join(', ') : text(r.grant_id)) },
          { header: 'amount', value: (r) => (r.kind === 'burn' ? `-${text(r.burned)}` : r.kind === 'grant' ? `+${text(r.amount)}` : `-${text(r.amount)}`) },
          { header: 'uncovered', value: (r) => (r.kind === 'burn' ? text(r.uncovered) : '') },
          { header: 'balance', value: (r) => text(r.balance) },
        ],
        lines,
      ),
    );
    process.stdout.write(`closing balance ${text(l.closing_balance)} USD (${b.describe})\n`);
  });
}
