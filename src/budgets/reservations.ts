/**
 * Reservation ids. A reservation lives in the slot of each budget it holds
 * on (the tenant's, the global one, or both), so its id carries what settle
 * needs to find them: `r1.<slots>.<base64url(tenant)>.<uuidv7>`, where
 * `<slots>` is `t`, `g`, `tg` or `n` (nothing held). Callers treat it as opaque.
 *
 * A reservation granted from a lease (leases.ts) lives in its holder's
 * memory; its id names the lease and carries what another process needs to
 * settle it (grants-3.lua): `l1.<slots>.<base64url(tenant)>.<lease uuid>.
 * <seq>.<cost>.<tokens>.<requests>.<expires at ms>[.<price>]` (numbers in
 * hex; the billed price only when the grant holds one). The
 * amounts are only ever held on top of the lease's own hold, never released
 * from it, so an id edited by hand cannot free room.
 */
import type { Slot } from '../counters/keys.js';
import type { HeldAmounts } from '../counters/types.js';
import { TallyError } from '../core/errors.js';
import { uuidv7 } from '../events/ids.js';

export interface ReservationRef {
  readonly id: string;
  readonly tenant: string;
  /** Slots the reservation holds in, tenant first. */
  readonly slots: readonly Slot[];
  /** A grant of a lease: the lease's id, the grant's estimate and expiry. */
  readonly grant?: LeaseGrantRef;
}

export interface LeaseGrantRef {
  readonly lease: string;
  readonly hold: HeldAmounts;
  readonly expireAt: number;
}

export function newReservationId(tenant: string, slots: readonly Slot[]): ReservationRef {
  const hasTenant = slots.some((s) => s !== null);
  const hasGlobal = slots.some((s) => s === null);
  const code = `${hasTenant ? 't' : ''}${hasGlobal ? 'g' : ''}` || 'n';
  const id = `r1.${code}.${Buffer.from(tenant, 'utf8').toString('base64url')}.${uuidv7()}`;
  return { id, tenant, slots: [...(hasTenant ? [tenant] : []), ...(hasGlobal ? [null] : [])] };
}

const ID_RE = /^r1\.(t|g|tg|n)\.([A-Za-z0-9_-]*)\.([0-9a-f-]{36})$/;
const GRANT_RE = /^l1\.(t|g|tg|n)\.([A-Za-z0-9_-]*)\.([0-9a-f-]{36})\.([0-9a-f]{1,13})\.([0-9a-f]{1,40})\.([0-9a-f]{1,20})\.([0-9a-f]{1,20})\.([0-9a-f]{1,12})(?:\.([0-9a-f]{1,40}))?$/;

/** The id of the `seq`-th grant of lease `leaseId` (itself a reservation id): see the module comment. */
export function leaseGrantId(leaseId: string, seq: number, hold: HeldAmounts, expireAt: number): string {
  const hex = (n: bigint | number): string => n.toString(16);
  const price = hold.price > 0n ? `.${hex(hold.price)}` : '';
  return `l1${leaseId.slice(2)}.${hex(seq)}.${hex(hold.cost)}.${hex(hold.tokens)}.${hex(hold.requests)}.${hex(expireAt)}${price}`;
}

/** Reads an id back; RESERVATION_NOT_FOUND when it is not one of ours. */
export function parseReservationId(id: string): ReservationRef {
  const g = GRANT_RE.exec(id);
  const m = g ?? ID_RE.exec(id);
  if (!m) throw new TallyError('RESERVATION_NOT_FOUND', 'not a reservation id', { details: { reservation_id: id } });
  const code = m[1] ?? 'n';
  const tenant = Buffer.from(m[2] ?? '', 'base64url').toString('utf8');
  const slots: Slot[] = [];
  if (code.includes('t')) slots.push(tenant);
  if (code.includes('g')) slots.push(null);
  if (!g) return { id, tenant, slots };
  const big = (i: number): bigint => BigInt(`0x${g[i] ?? '0'}`);
  const grant = { lease: `r1.${code}.${m[2] ?? ''}.${g[3] ?? ''}`, hold: { cost: big(5), tokens: big(6), requests: big(7), price: big(9) }, expireAt: Number(big(8)) };
  return { id, tenant, slots, grant };
}
