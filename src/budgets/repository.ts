/**
 * Budget persistence: budgets, tier templates and tier assignments, with
 * validation (BUDGET_INVALID naming the field), a cheap change marker
 * (`version()`), idempotent seeding, and an optional change feed.
 *
 * The logic lives here once, over a tiny storage seam (`RepositoryStorage`):
 * rows of (kind, key, JSON body, version, deleted). The analytics store
 * (repository-store.ts, tables of migration 0010) and memory
 * (repository-memory.ts) implement it.
 *
 * Versions are microseconds since the epoch, and every write takes one above
 * the highest version stored anywhere (and above this process's last one), so
 * `version()` — the maximum over all rows, deletions included — moves with
 * every change, whichever process wrote it.
 *
 * Legacy scope names (`user`, `api_key`) are read everywhere. Writes tell the
 * caller through `onDeprecated`; budgets stored or configured with them are
 * logged as a warning, once per budget (or tier) per process.
 */
import { TallyError, type FieldError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { BudgetState } from './catalog.js';
import type { Deprecation, DeprecationSink } from './legacy.js';
import { budgetInvalid, parseBudget, sameBudget, type Budget, type ParseBudgetOptions } from './model.js';
import { isQualifiedBudgetId, localBudgetId, qualifiedBudgetId } from './repository-ids.js';
import { parseTier, tierToInput, type Tier, type TierAssignment } from './tiers.js';

export type RowKind = 'budget' | 'tier' | 'assignment';

export interface StoredRow {
  readonly kind: RowKind;
  /** budget id, tier name, or JSON [tenant, user] */
  readonly key: string;
  /** JSON of the budget or tier input; the tier name for an assignment */
  readonly body: string;
  /** decimal */
  readonly version: string;
  readonly deleted: boolean;
}

export interface RepositoryStorage {
  /** Newest row per key of a kind, deleted keys left out. */
  live(kind: RowKind): Promise<StoredRow[]>;
  /** Newest row of one key, deleted or not. */
  one(kind: RowKind, key: string): Promise<StoredRow | null>;
  write(rows: readonly StoredRow[]): Promise<void>;
  /** Highest version of any row, '0' when empty. */
  maxVersion(): Promise<string>;
}

/** Something to tell other processes that budgets changed (e.g. Redis pub/sub). */
export interface ChangePublisher {
  publish(): Promise<void>;
}

export interface RepositoryOptions {
  /** Default `approaching` percentage of parsed budgets (config budgets.approachingPercent). */
  readonly approaching?: number;
  readonly publisher?: ChangePublisher;
  /** Clock in epoch ms (tests). */
  readonly clock?: () => number;
  /** Warned when a stored or configured budget uses a legacy scope name. Default: not logged. */
  readonly logger?: Logger;
}

export interface SeedInput {
  /** Budgets to create when missing; each needs an id. */
  readonly budgets?: readonly unknown[];
  /** Tier templates by name (or a list with names), created when missing. */
  readonly tiers?: Readonly<Record<string, unknown>> | readonly unknown[];
}

export interface SeedResult {
  readonly created: readonly string[];
  /** Already present (left as they are: changes made through the API win). */
  readonly existing: readonly string[];
}

const assignmentKey = (tenant: string, user: string): string => JSON.stringify([tenant, user]);

export class BudgetRepository {
  private lastVersion = 0n;
  private readonly parseOptions: ParseBudgetOptions;
  /** Budgets and tiers already warned about (legacy names), by `budget <id>` / `tier <name>`. */
  private readonly warned = new Set<string>();

  constructor(private readonly storage: RepositoryStorage, private readonly options: RepositoryOptions = {}) {
    this.parseOptions = options.approaching === undefined ? {} : { approaching: options.approaching };
  }

  /** Logs the legacy names one stored or configured budget (or tier) used; once per process. */
  private warnLegacy(what: string, notices: readonly Deprecation[]): void {
    if (notices.length === 0 || this.warned.has(what)) return;
    this.warned.add(what);
    this.options.logger?.warn({ deprecated: notices.map((n) => n.path) }, `${what}: ${notices.map((n) => n.message).join('; ')}`);
  }

  /** A budget as stored (its body may predate 0.2). A tenant's budget is stored under `T/<id>` with `<id>` in its body. */
  private storedBudget(row: StoredRow): Budget {
    const notices: Deprecation[] = [];
    const budget = parseBudget(JSON.parse(row.body), { onDeprecated: (n) => notices.push(n) });
    this.warnLegacy(`budget ${row.key}`, notices);
    return budget.id === row.key ? budget : { ...budget, id: row.key };
  }

  private storedTier(row: StoredRow): Tier {
    const notices: Deprecation[] = [];
    const tier = parseTier(JSON.parse(row.body), { ...this.parseOptions, onDeprecated: (n) => notices.push(n) });
    this.warnLegacy(`tier ${tier.name}`, notices);
    return tier;
  }

  private async nextVersion(): Promise<string> {
    const now = BigInt((this.options.clock ?? Date.now)()) * 1000n;
    const stored = BigInt(await this.storage.maxVersion());
    let v = now > stored ? now : stored + 1n;
    if (v <= this.lastVersion) v = this.lastVersion + 1n;
    this.lastVersion = v;
    return v.toString();
  }

  private async write(rows: Omit<StoredRow, 'version'>[]): Promise<void> {
    const version = await this.nextVersion();
    await this.storage.write(rows.map((r) => ({ ...r, version })));
    await this.options.publisher?.publish().catch(() => undefined);
  }

  // ─── budgets ────────────────────────────────────────────────────────────

  async list(): Promise<Budget[]> {
    return (await this.storage.live('budget')).map((r) => this.storedBudget(r));
  }

  async get(id: string): Promise<Budget> {
    const row = await this.storage.one('budget', id);
    if (!row || row.deleted) throw new TallyError('BUDGET_NOT_FOUND', `no budget has id ${JSON.stringify(id)}`, { details: { budget_id: id } });
    return this.storedBudget(row);
  }

  /**
   * Creates a budget; CONFLICT when the id exists. With `tenant` (a key bound
   * to that tenant), the budget is made in the tenant's namespace
   * (repository-ids.ts): its id is `T/<id>`, and only ids the tenant can see
   * conflict — its own, and plain ids of budgets that apply to it — so the
   * answer never depends on another tenant's budgets. `onDeprecated` hears of
   * every legacy scope name read.
   */
  async create(input: unknown, onDeprecated?: DeprecationSink, tenant?: string): Promise<Budget> {
    const parsed = parseBudget(input, { ...this.parseOptions, onDeprecated });
    if (parsed.tier !== null) throw budgetInvalid([{ path: 'tier', reason: 'tier budgets are made by tiers; create a tier instead' }]);
    refuseTierId(parsed.id);
    const id = tenant === undefined ? parsed.id : qualifiedBudgetId(tenant, parsed.id);
    const taken = (await this.live(id)) !== null || (tenant === undefined ? false : (await this.appliesTo(parsed.id, tenant)));
    if (taken) throw new TallyError('CONFLICT', `a budget with id ${JSON.stringify(parsed.id)} exists`, { details: { budget_id: parsed.id } });
    const budget: Budget = { ...parsed, id };
    if (tenant === undefined) await this.refuseNamespaceClash(budget);
    await this.write([{ kind: 'budget', key: id, body: JSON.stringify(parsed), deleted: false }]);
    return budget;
  }

  /** Creates or replaces the budget with this id (a tenant's `T/<id>` keeps scope.tenant T). */
  async put(id: string, input: unknown, onDeprecated?: DeprecationSink): Promise<Budget> {
    const local = localBudgetId(id);
    const body = typeof input === 'object' && input !== null ? { ...input, id: local } : input;
    const parsed = parseBudget(body, { ...this.parseOptions, onDeprecated });
    if (parsed.tier !== null) throw budgetInvalid([{ path: 'tier', reason: 'tier budgets are made by tiers; change the tier instead' }]);
    refuseTierId(parsed.id);
    const budget: Budget = { ...parsed, id };
    if (isQualifiedBudgetId(id)) {
      const tenant = parsed.scope.tenant;
      if (tenant === undefined || tenant === '*' || qualifiedBudgetId(tenant, local) !== id) {
        throw budgetInvalid([{ path: 'scope.tenant', reason: `must be the tenant whose budget ${id} is` }]);
      }
    } else {
      await this.refuseNamespaceClash(budget);
    }
    await this.write([{ kind: 'budget', key: id, body: JSON.stringify(parsed), deleted: false }]);
    return budget;
  }

  /** The live row of a budget id, or null. */
  private async live(id: string): Promise<StoredRow | null> {
    const row = await this.storage.one('budget', id);
    return row && !row.deleted ? row : null;
  }

  /** Whether a budget with this plain id exists and applies to `tenant` (its scope names that tenant, every tenant, or none). */
  private async appliesTo(id: string, tenant: string): Promise<boolean> {
    const row = await this.live(id);
    if (row === null) return false;
    const scoped = this.storedBudget(row).scope.tenant;
    return scoped === undefined || scoped === '*' || scoped === tenant;
  }

  /**
   * A plain id must not be one a tenant it applies to already uses in its
   * namespace (the tenant would see two budgets of one id). Only all-tenant
   * callers make plain ids, and they see every budget: saying which clashes
   * reveals nothing.
   */
  private async refuseNamespaceClash(budget: Budget): Promise<void> {
    const tenant = budget.scope.tenant;
    let clash: string | undefined;
    if (tenant !== undefined && tenant !== '*') {
      const id = qualifiedBudgetId(tenant, budget.id);
      if ((await this.live(id)) !== null) clash = id;
    } else {
      clash = (await this.storage.live('budget')).find((r) => isQualifiedBudgetId(r.key) && localBudgetId(r.key) === budget.id)?.key;
    }
    if (clash !== undefined) {
      throw new TallyError('CONFLICT', `budget ${clash} already has the id ${JSON.stringify(budget.id)} in its tenant, to which this budget would apply; choose another id`, {
        details: { budget_id: budget.id, conflicts_with: clash },
      });
    }
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.write([{ kind: 'budget', key: id, body: '{}', deleted: true }]);
  }

  // ─── tiers ──────────────────────────────────────────────────────────────

  async listTiers(): Promise<Tier[]> {
    return (await this.storage.live('tier')).map((r) => this.storedTier(r));
  }

  async getTier(name: string): Promise<Tier> {
    const row = await this.storage.one('tier', name);
    if (!row || row.deleted) throw new TallyError('NOT_FOUND', `no tier is named ${JSON.stringify(name)}`, { details: { tier: name } });
    return this.storedTier(row);
  }

  /** Creates or replaces a tier. At most one tier is the default. */
  async putTier(input: unknown, onDeprecated?: DeprecationSink): Promise<Tier> {
    const tier = parseTier(input, { ...this.parseOptions, onDeprecated });
    if (tier.default) {
      const other = (await this.listTiers()).find((t) => t.default && t.name !== tier.name);
      if (other) throw budgetInvalid([{ path: 'default', reason: `tier "${other.name}" is already the default` }], 'tier');
    }
    await this.write([{ kind: 'tier', key: tier.name, body: JSON.stringify(tierToInput(tier)), deleted: false }]);
    return tier;
  }

  async removeTier(name: string): Promise<void> {
    await this.getTier(name);
    await this.write([{ kind: 'tier', key: name, body: '{}', deleted: true }]);
  }

  // ─── assignments ────────────────────────────────────────────────────────

  async assignments(): Promise<TierAssignment[]> {
    return (await this.storage.live('assignment')).map((r) => {
      const [tenant = '', user = ''] = JSON.parse(r.key) as string[];
      return { tenant, user, tier: r.body };
    });
  }

  /** Puts a user in a tier (the tier must exist). */
  async assign(a: TierAssignment): Promise<void> {
    const errors: FieldError[] = [];
    if (!a.tenant) errors.push({ path: 'tenant', reason: 'must not be empty' });
    if (!a.user) errors.push({ path: 'user', reason: 'must not be empty' });
    const tier = a.tier ? await this.storage.one('tier', a.tier) : null;
    if (!tier || tier.deleted) errors.push({ path: 'tier', reason: `no tier is named ${JSON.stringify(a.tier)}` });
    if (errors.length > 0) throw budgetInvalid(errors, 'tier assignment');
    await this.write([{ kind: 'assignment', key: assignmentKey(a.tenant, a.user), body: a.tier, deleted: false }]);
  }

  /** Removes a user's assignment (the default tier applies again). */
  async unassign(tenant: string, user: string): Promise<void> {
    await this.write([{ kind: 'assignment', key: assignmentKey(tenant, user), body: '', deleted: true }]);
  }

  // ─── change propagation ─────────────────────────────────────────────────

  /** Changes whenever anything changes; cheap enough to poll every 500 ms. */
  version(): Promise<string> {
    return this.storage.maxVersion();
  }

  /** Everything, at (at least) the returned version. */
  async state(): Promise<BudgetState> {
    const version = await this.storage.maxVersion();
    const [budgets, tiers, assignments] = await Promise.all([this.list(), this.listTiers(), this.assignments()]);
    return { version, budgets, tiers, assignments };
  }

  /**
   * Creates the budgets and tiers declared in config when missing (by id and
   * name); present ones are left alone. Validates everything first and
   * reports every mistake with its path; idempotent.
   */
  async seed(input: SeedInput): Promise<SeedResult> {
    const errors: FieldError[] = [];
    const budgets: Budget[] = [];
    (input.budgets ?? []).forEach((raw, i) => {
      const path = `budgets.defaults[${i}]`;
      if (typeof raw !== 'object' || raw === null || typeof (raw as { id?: unknown }).id !== 'string') {
        errors.push({ path: `${path}.id`, reason: 'a default budget needs an id, so that seeding it again changes nothing' });
        return;
      }
      try {
        const notices: Deprecation[] = [];
        const parsed = parseBudget(raw, { ...this.parseOptions, path, onDeprecated: (n) => notices.push(n) });
        refuseTierId(parsed.id, `${path}.id`);
        this.warnLegacy(`budget ${parsed.id}`, notices);
        budgets.push(parsed);
      } catch (err) {
        errors.push(...fieldErrors(err, path));
      }
    });
    const tierEntries: [string, unknown][] = Array.isArray(input.tiers)
      ? input.tiers.map((t, i) => [String((t as { name?: unknown }).name ?? `[${i}]`), t])
      : Object.entries(input.tiers ?? {});
    const tiers: Tier[] = [];
    for (const [name, raw] of tierEntries) {
      const path = `budgets.tiers.${name}`;
      try {
        const body = typeof raw === 'object' && raw !== null && !Array.isArray(input.tiers) ? { ...raw, name } : raw;
        const notices: Deprecation[] = [];
        const tier = parseTier(body, { ...this.parseOptions, path, onDeprecated: (n) => notices.push(n) });
        this.warnLegacy(`tier ${tier.name}`, notices);
        tiers.push(tier);
      } catch (err) {
        errors.push(...fieldErrors(err, path));
      }
    }
    if (tiers.filter((t) => t.default).length > 1) errors.push({ path: 'budgets.tiers', reason: 'at most one tier may be the default' });
    if (errors.length > 0) throw budgetInvalid(errors, 'budget configuration');

    const created: string[] = [];
    const existing: string[] = [];
    for (const t of tiers) {
      const row = await this.storage.one('tier', t.name);
      if (row && !row.deleted) existing.push(`tier:${t.name}`);
      else {
        await this.putTier(tierToInput(t));
        created.push(`tier:${t.name}`);
      }
    }
    for (const b of budgets) {
      const row = await this.storage.one('budget', b.id);
      if (row && !row.deleted) {
        existing.push(b.id);
        continue;
      }
      await this.write([{ kind: 'budget', key: b.id, body: JSON.stringify(b), deleted: false }]);
      created.push(b.id);
    }
    return { created, existing };
  }
}

/** `tier:<tier>:<key>` ids belong to tier budgets; a plain budget with one would shadow a tier's. */
function refuseTierId(id: string, path = 'id'): void {
  if (id.startsWith('tier:')) throw budgetInvalid([{ path, reason: 'ids starting with "tier:" are reserved for the budgets of tiers' }]);
}

function fieldErrors(err: unknown, path: string): FieldError[] {
  const list = err instanceof TallyError ? (err.details.errors as FieldError[] | undefined) : undefined;
  return list && list.length > 0 ? list : [{ path, reason: err instanceof Error ? err.message : String(err) }];
}

/** Whether two budget lists define the same budgets (order aside). */
export function sameBudgets(a: readonly Budget[], b: readonly Budget[]): boolean {
  if (a.length !== b.length) return false;
  const byId = new Map(b.map((x) => [x.id, x]));
  return a.every((x) => {
    const y = byId.get(x.id);
    return y !== undefined && sameBudget(x, y);
  });
}
