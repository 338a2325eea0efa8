/**
 * The one place that builds counter-store key names. Nothing else
 * concatenates keys: the Lua scripts receive every key they touch, built here.
 *
 * Layout (prefix `tally:` by default):
 *
 *   tally:{t.<tenant>}:c:<period>:<bucket>:<dims>   usage counter (hash) of one scope and bucket
 *   tally:{_global}:c:<period>:<bucket>:<dims>      the same for scopes without a tenant
 *   tally:{…}:fence      applied offset per source partition (hash)
 *   tally:{…}:ver        budget-set version gate (string)
 *   tally:{…}:lock       reconcile lock (string, with TTL)
 *   tally:{…}:dd:<n>     event-id dedup set of window bucket n
 *   tally:{…}:rsv        reservations by id (hash of JSON records)
 *   tally:{…}:rsvx       reservation expiry index (sorted set)
 *   tally:{…}:await      event id → reservation waiting for it (hash)
 *   tally:{…}:lgs:<lease>  settles of a lease's grants made by other processes (hash: grant id → mode)
 *   tally:{…}:mk:<budget>:<bucket>   alert marks (hash: subject|threshold → state)
 *   tally:{…}:epoch      slot marker: this slot was rebuilt since its region was lost (string)
 *   tally:epoch          region marker of a standalone Redis (string; see epoch.ts)
 *   tally:{e.<n>}:epoch  region marker of one Redis Cluster hash slot (string)
 *   …epoch:lock          who rebuilds a lost region (string, with TTL)
 *
 * Every key carries exactly one hash tag — the tenant's, or `{_global}` — so
 * every key of one call is in one Redis Cluster slot. Every variable part is
 * escaped: characters outside `[A-Za-z0-9._@/+-]` become `%XX` (UTF-8 bytes),
 * so `:`, `,`, `=`, `~`, `{`, `}`, `*`, `%`, spaces and non-ASCII can never
 * act as separators or hash-tag braces, and no tenant, user or model name can
 * name another's key. Tenant tags start with `t.`, so no tenant can be the
 * global slot.
 */
import { TallyError } from '../core/errors.js';
import { ALL_REGIONS, hashSlot, regionTag } from './epoch.js';

/** The slot a call runs in: a tenant, or `null` for the global slot. */
export type Slot = string | null;

/** One dimension of a counter's scope: `u=bob` (value) or `m~gpt-4*` (pattern). */
export interface CounterDim {
  /** Short dimension code, e.g. `u` for user. */
  readonly code: string;
  readonly op: '=' | '~';
  readonly value: string;
}

/** The parts a counter key is made of. */
export interface CounterKeyParts {
  readonly slot: Slot;
  /** `monthly@America/New_York`, `r1m`, … */
  readonly period: string;
  /** Bucket label, e.g. `2026-03`, `2026-03-08T1205Z`. */
  readonly bucket: string;
  /** Dimensions in canonical order. */
  readonly dims: readonly CounterDim[];
}

const SAFE = /^[A-Za-z0-9._@/+-]$/;
const ALL_SAFE = /^[A-Za-z0-9._@/+-]*$/;
const encoder = new TextEncoder();

/** Escapes one variable key part (see the module comment). */
export function escapeKeyPart(value: string): string {
  if (ALL_SAFE.test(value)) return value;
  let out = '';
  for (const ch of value) {
    if (SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of encoder.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of `escapeKeyPart`. */
export function unescapeKeyPart(value: string): string {
  return decodeURIComponent(value);
}

export class CounterKeys {
  readonly prefix: string;
  /** Redis Cluster: one epoch region per hash slot; else one region for everything. */
  readonly clustered: boolean;

  /**
   * `prefix` must not contain `{` or `}` (it precedes the hash tag); a `:` is
   * added when it does not end with one. Default `tally:`.
   */
  constructor(prefix = 'tally:', options: { readonly clustered?: boolean } = {}) {
    if (/[{}]/.test(prefix)) throw new TallyError('CONFIG_INVALID', 'counter key prefix must not contain { or }');
    this.prefix = prefix === '' || prefix.endsWith(':') ? prefix : `${prefix}:`;
    this.clustered = options.clustered ?? false;
  }

  /** `{t.<tenant>}` or `{_global}`. */
  tag(slot: Slot): string {
    return slot === null ? '{_global}' : `{t.${escapeKeyPart(slot)}}`;
  }

  private base(slot: Slot): string {
    return `${this.prefix}${this.tag(slot)}`;
  }

  counter(parts: CounterKeyParts): string {
    const dims = parts.dims.map((d) => `${escapeKeyPart(d.code)}${d.op}${escapeKeyPart(d.value)}`).join(',');
    return `${this.base(parts.slot)}:c:${escapeKeyPart(parts.period)}:${escapeKeyPart(parts.bucket)}:${dims}`;
  }

  fence(slot: Slot): string {
    return `${this.base(slot)}:fence`;
  }

  version(slot: Slot): string {
    return `${this.base(slot)}:ver`;
  }

  lock(slot: Slot): string {
    return `${this.base(slot)}:lock`;
  }

  dedup(slot: Slot, bucketIndex: number): string {
    return `${this.base(slot)}:dd:${bucketIndex}`;
  }

  reservations(slot: Slot): string {
    return `${this.base(slot)}:rsv`;
  }

  reservationIndex(slot: Slot): string {
    return `${this.base(slot)}:rsvx`;
  }

  awaiting(slot: Slot): string {
    return `${this.base(slot)}:await`;
  }

  /** Settles of one lease's grants recorded by other processes (grants-3.lua). */
  grantSettles(slot: Slot, leaseId: string): string {
    return `${this.base(slot)}:lgs:${escapeKeyPart(leaseId)}`;
  }

  marks(slot: Slot, budgetId: string, bucket: string): string {
    return `${this.base(slot)}:mk:${escapeKeyPart(budgetId)}:${escapeKeyPart(bucket)}`;
  }

  /** Field of a marks hash: the subject's dims and the threshold. */
  markField(dims: readonly CounterDim[], threshold: number | string): string {
    const subject = dims.map((d) => `${escapeKeyPart(d.code)}${d.op}${escapeKeyPart(d.value)}`).join(',');
    return `${subject}|${threshold}`;
  }

  /** Field of a fence hash: one source partition. */
  fenceField(topic: string, partition: number): string {
    return `${escapeKeyPart(topic)}:${partition}`;
  }

  /** Member of a dedup set: the event id, qualified by tenant in the global slot. */
  dedupMember(slot: Slot, tenant: string, eventId: string): string {
    return slot === null ? `${escapeKeyPart(tenant)}:${eventId}` : eventId;
  }

  /** The epoch region a slot's data lives in: its Redis hash slot on a Cluster, else `all` (see epoch.ts). */
  region(slot: Slot): string {
    return this.clustered ? String(hashSlot(this.tag(slot))) : ALL_REGIONS;
  }

  /** The marker of a region: present while the region's counters are complete. */
  regionMarker(region: string): string {
    return this.clustered ? `${this.prefix}{${regionTag(Number(region))}}:epoch` : `${this.prefix}epoch`;
  }

  /** Held by the process rebuilding a lost region. */
  regionLock(region: string): string {
    return `${this.regionMarker(region)}:lock`;
  }

  /** The marker of one slot: present once that slot was rebuilt after its region was lost. */
  slotMarker(slot: Slot): string {
    return `${this.base(slot)}:epoch`;
  }

  /** A glob matching every key under this prefix, for cleanup (`SCAN MATCH`). */
  scanPattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  }
}

/** Reads a fence field back into its source partition. */
export function parseFenceField(field: string): { topic: string; partition: number } {
  const cut = field.lastIndexOf(':');
  return { topic: unescapeKeyPart(field.slice(0, cut)), partition: Number(field.slice(cut + 1)) };
}
