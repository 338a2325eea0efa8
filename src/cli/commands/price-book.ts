/**
 * `tally customers list` and `tally price-book set|show|versions|rm`
 * (issue 16, docs/billing.md): customers' price books, in the configured
 * analytics store (as `tally processor` reads them), or through a running
 * API with `--url` (the only way to reach `tally start`'s embedded store).
 * A customer is `--tenant T`, or `--tenant T --user U` for one user's book.
 */
import { readFileSync } from 'node:fs';
import { ERROR_CATALOG, TallyError, type ErrorCode } from '../../core/errors.js';
import { PriceBookRepository, type PriceBookVersion } from '../../billing/repository.js';
import { priceBookVersionLabel } from '../../pricing/price-books.js';
import { describeStore, openStore } from '../../runtime/adapters.js';
import { cliContext } from '../context.js';
import { printJson, renderTable } from '../output.js';
import type { BackendFlags } from './budgets-backend.js';

export interface CustomerFlags extends BackendFlags {
  readonly tenant?: string;
  readonly user?: string;
  readonly version?: string;
  readonly file?: string;
  readonly json?: boolean;
}

/** A version as the API returns it (`GET /v1/customers/{tenant}/price-book`). */
type VersionJson = Record<string, unknown> & { tenant: string; user: string; version: string; price_book_version: string; updated_at: string; book: unknown };

interface Backend {
  readonly describe: string;
  customers(): Promise<VersionJson[]>;
  get(tenant: string, user: string, version?: string): Promise<VersionJson>;
  history(tenant: string, user: string): Promise<VersionJson[]>;
  put(tenant: string, user: string, body: unknown): Promise<VersionJson>;
  remove(tenant: string, user: string): Promise<VersionJson>;
  close(): Promise<void>;
}

function json(v: PriceBookVersion): VersionJson {
  return { tenant: v.tenant, user: v.user, version: v.version, price_book_version: priceBookVersionLabel(v.user, v.version), updated_at: v.updated_at, deleted: v.deleted, book: v.book };
}

function httpBackend(base: string, apiKey: string | undefined): Backend {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(new URL(path, base), {
      method,
      headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const parsed = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (!res.ok) {
      const code = parsed.error?.code !== undefined && parsed.error.code in ERROR_CATALOG ? (parsed.error.code as ErrorCode) : 'INTERNAL';
      throw new TallyError(code, parsed.error?.message ?? `HTTP ${res.status}`, { details: parsed.error?.details ?? {} });
    }
    return parsed as T;
  };
  const path = (tenant: string, user: string, tail = '', version?: string): string => {
    const q = new URLSearchParams();
    if (user !== '') q.set('user', user);
    if (version !== undefined) q.set('version', version);
    const qs = q.toString();
    return `/v1/customers/${encodeURIComponent(tenant)}/price-book${tail}${qs ? `?${qs}` : ''}`;
  };
  return {
    describe: base,
    customers: async () => (await call<{ customers: VersionJson[] }>('GET', '/v1/customers')).customers,
    get: (tenant, user, version) => call('GET', path(tenant, user, '', version)),
    history: async (tenant, user) => (await call<{ versions: VersionJson[] }>('GET', path(tenant, user, '/versions'))).versions,
    put: (tenant, user, body) => call('PUT', path(tenant, user), body),
    remove: (tenant, user) => call('DELETE', path(tenant, user)),
    close: async () => undefined,
  };
}

async function openBackend(flags: CustomerFlags): Promise<Backend> {
  if (flags.url) return httpBackend(flags.url, flags.apiKey ?? process.env.TALLY_API_KEY);
  const { config, logger } = cliContext(flags, { logLevel: process.env.LOG_LEVEL ?? 'warn' });
  const store = await openStore(config, logger);
  const repository = new PriceBookRepository(store.priceBooks);
  return {
    describe: describeStore(config),
    customers: async () => (await repository.customers()).map(json),
    get: async (tenant, user, version) => json(await repository.get(tenant, user, version)),
    history: async (tenant, user) => (await repository.history(tenant, user)).map(json),
    put: async (tenant, user, body) => json(await repository.put(tenant, user, body)),
    remove: async (tenant, user) => json(await repository.delete(tenant, user)),
    close: () => store.close(),
  };
}

async function withBackend(flags: CustomerFlags, work: (b: Backend) => Promise<void>): Promise<void> {
  const backend = await openBackend(flags);
  try {
    await work(backend);
  } finally {
    await backend.close();
  }
}

function customerOf(flags: CustomerFlags): { tenant: string; user: string } {
  if (!flags.tenant) throw new TallyError('VALIDATION_FAILED', '--tenant is required: the customer is a tenant (and --user for one user of it)');
  return { tenant: flags.tenant, user: flags.user ?? '' };
}

const who = (v: VersionJson): string => (v.user === '' ? v.tenant : `${v.tenant} / user ${v.user}`);

function rulesText(v: VersionJson): string {
  const book = v.book as { description?: string; rules?: Record<string, unknown>[]; allowances?: unknown[] } | null;
  if (!book) return `${who(v)}: removed at version ${v.version}\n`;
  const rows = (book.rules ?? []).map((r) => ({ ...r, match: JSON.stringify(r.match ?? {}) }));
  const detail = (r: Record<string, unknown>): string =>
    r.kind === 'markup' ? `${String(r.percent)} %${r.classes ? ` on ${(r.classes as string[]).join(',')}` : ''}` : r.kind === 'contract' ? JSON.stringify({ ...(r.per_million as object), ...(r.per_unit as object) }) : `${String(r.amount)} USD`;
  const table = renderTable<Record<string, unknown>>(
    [
      { header: 'effective_from', value: (r) => String(r.effective_from) },
      { header: 'kind', value: (r) => String(r.kind) },
      { header: 'match', value: (r) => String(r.match) },
      { header: 'price', value: detail },
    ],
    rows,
  );
  return `${who(v)}: version ${v.version} (${v.price_book_version}), ${v.updated_at}${book.description ? ` — ${book.description}` : ''}\n${table}${(book.allowances ?? []).length > 0 ? `allowances: ${(book.allowances ?? []).length} (applied by statements)\n` : ''}`;
}

export async function runCustomersList(flags: CustomerFlags): Promise<void> {
  await withBackend(flags, async (b) => {
    const list = await b.customers();
    if (flags.json) return printJson({ customers: list });
    if (list.length === 0) return void process.stdout.write(`no customers with a price book (${b.describe})\n`);
    process.stdout.write(
      renderTable<VersionJson>(
        [
          { header: 'tenant', value: (v) => v.tenant },
          { header: 'user', value: (v) => v.user },
          { header: 'version', value: (v) => v.version },
          { header: 'rules', value: (v) => String((v.book as { rules?: unknown[] } | null)?.rules?.length ?? 0) },
          { header: 'updated_at', value: (v) => v.updated_at },
        ],
        list,
      ),
    );
  });
}

export async function runPriceBookSet(flags: CustomerFlags): Promise<void> {
  const { tenant, user } = customerOf(flags);
  if (!flags.file) throw new TallyError('VALIDATION_FAILED', '--file is required: the price book as JSON (the PUT /v1/customers/{tenant}/price-book body)');
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(flags.file, 'utf8'));
  } catch (err) {
    throw new TallyError('VALIDATION_FAILED', `cannot read ${flags.file} as JSON: ${(err as Error).message}`);
  }
  await withBackend(flags, async (b) => {
    const v = await b.put(tenant, user, body);
    if (flags.json) return printJson(v);
    process.stdout.write(`stored ${who(v)} version ${v.version}; events processed from now on carry price_book_version ${v.price_book_version}\n`);
  });
}

export async function runPriceBookShow(flags: CustomerFlags): Promise<void> {
  const { tenant, user } = customerOf(flags);
  await withBackend(flags, async (b) => {
    const v = await b.get(tenant, user, flags.version);
    if (flags.json) return printJson(v);
    process.stdout.write(rulesText(v));
  });
}

export async function runPriceBookVersions(flags: CustomerFlags): Promise<void> {
  const { tenant, user } = customerOf(flags);
  await withBackend(flags, async (b) => {
    const versions = await b.history(tenant, user);
    if (flags.json) return printJson({ versions });
    if (versions.length === 0) return void process.stdout.write(`${tenant}${user ? ` / user ${user}` : ''} never had a price book\n`);
    process.stdout.write(
      renderTable<VersionJson>(
        [
          { header: 'version', value: (v) => v.version },
          { header: 'price_book_version', value: (v) => v.price_book_version },
          { header: 'updated_at', value: (v) => v.updated_at },
          { header: 'rules', value: (v) => (v.book ? String((v.book as { rules?: unknown[] }).rules?.length ?? 0) : 'removed') },
        ],
        versions,
      ),
    );
  });
}

export async function runPriceBookRm(flags: CustomerFlags): Promise<void> {
  const { tenant, user } = customerOf(flags);
  await withBackend(flags, async (b) => {
    const v = await b.remove(tenant, user);
    if (flags.json) return printJson(v);
    process.stdout.write(`removed ${who(v)}'s price book (version ${v.version}); stored events keep their prices\n`);
  });
}
