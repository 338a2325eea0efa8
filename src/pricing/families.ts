/**
 * Model families: what a budget's model scope means. A user who scopes a
 * budget to `openai/gpt-4o` (or to the bare `gpt-4o`) means gpt-4o and every
 * dated snapshot of it — the ids the OpenAI SDK reports, which the catalog
 * resolves to their own keys (`openai/gpt-4o-2024-08-06`) — and never a
 * sibling (`gpt-4o-mini`).
 *
 * A catalog entry's HEAD is the entry its model id reduces to under the
 * resolver's snapshot rules (resolve.ts: without a `-latest`, date or
 * version suffix), within its provider: `gpt-4o-2024-08-06` → `gpt-4o`,
 * `gemini-1.5-pro-002` → `gemini-1.5-pro`, `gpt-4o-mini` → itself (`-mini`
 * is not a snapshot suffix). A family is a head and every entry whose head
 * it is; the entry's aliases name it too (they resolve to it).
 *
 * A scope value is resolved like an event's model (exact key, alias,
 * snapshot suffix, provider prefix): when it lands on a head, the scope is
 * that family; when it lands on a snapshot entry (`gpt-4o-2024-08-06`), the
 * scope is that snapshot alone. An id the catalog does not know is its own
 * family, reduced the same way (`gpt-6-2026-03-01` belongs to `gpt-6`).
 */
import type { Catalog, CatalogEntry } from './catalog.js';
import { analyzeModelId, type Resolver } from './resolve.js';

export interface ModelFamily {
  /** What the scope value resolved to: a family (head and snapshots), one snapshot, or an id the catalog does not know. */
  readonly kind: 'family' | 'snapshot' | 'unknown';
  /** The head's key (family), the snapshot's key, or the reduced id (unknown). */
  readonly key: string;
  /** Catalog keys it counts, sorted (empty when unknown). */
  readonly members: readonly string[];
}

export interface ModelFamilies {
  /** The family a model scope value means. */
  familyOf(value: string): ModelFamily;
  /** Whether the model an event counts under (its model key, else the model as reported) belongs to `family`. */
  contains(family: ModelFamily, counted: string): boolean;
  /** The family keys a set of counted models belongs to (for showing what a glob covers). */
  headsMatching(test: (key: string) => boolean): string[];
}

/** Families of one catalog, memoised. */
export function createModelFamilies(catalog: Pick<Catalog, 'entries' | 'providers'>, resolver: Resolver): ModelFamilies {
  const heads = new Map<CatalogEntry, CatalogEntry>();
  const headOf = (entry: CatalogEntry): CatalogEntry => {
    let h = heads.get(entry);
    if (h) return h;
    h = entry;
    const index = catalog.providers.get(entry.provider);
    const candidates = analyzeModelId(entry.model).candidates;
    for (let i = candidates.length - 1; i >= 0 && index; i--) {
      const c = candidates[i] as string;
      const e = index.names.get(c);
      if (e && e.model === c) {
        h = e;
        break;
      }
    }
    heads.set(entry, h);
    return h;
  };
  let members: Map<string, string[]> | null = null;
  const membersOf = (head: string): string[] => {
    if (!members) {
      members = new Map();
      for (const e of catalog.entries.values()) {
        const h = headOf(e).key;
        const list = members.get(h) ?? [];
        list.push(e.key);
        members.set(h, list);
      }
      for (const list of members.values()) list.sort();
    }
    return members.get(head) ?? [head];
  };
  const reduced = (id: string): string => {
    const c = analyzeModelId(id).candidates;
    return c[c.length - 1] ?? id.trim().toLowerCase();
  };
  const families = new Map<string, ModelFamily>();
  const counted = new Map<string, string>();
  /** The head key of a counted model, or `?<reduced id>` for one the catalog does not know. */
  const headKeyOf = (model: string): string => {
    let k = counted.get(model);
    if (k !== undefined) return k;
    const entry = catalog.entries.get(model) ?? resolver.resolve(null, model)?.entry;
    k = entry ? headOf(entry).key : `?${reduced(model)}`;
    if (counted.size < 100_000) counted.set(model, k);
    return k;
  };
  return {
    familyOf(value) {
      let f = families.get(value);
      if (f) return f;
      const entry = catalog.entries.get(value.trim().toLowerCase()) ?? resolver.resolve(null, value)?.entry;
      if (!entry) f = { kind: 'unknown', key: reduced(value), members: [] };
      else if (headOf(entry) === entry) f = { kind: 'family', key: entry.key, members: membersOf(entry.key) };
      else f = { kind: 'snapshot', key: entry.key, members: [entry.key] };
      families.set(value, f);
      return f;
    },
    contains(family, model) {
      if (family.kind === 'snapshot') return model === family.key || catalog.entries.get(model)?.key === family.key;
      const k = headKeyOf(model);
      return family.kind === 'family' ? k === family.key : k === `?${family.key}`;
    },
    headsMatching(test) {
      const out = new Set<string>();
      for (const e of catalog.entries.values()) if (test(e.key)) out.add(headOf(e).key);
      return [...out].sort();
    },
  };
}
