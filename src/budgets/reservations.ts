/**
 * Reservation ids. A reservation lives in the slot of each budget it holds
 * on (the tenant's, the global one, or both), so its id carries what settle
 * needs to find them: `r1.<slots>.<base64url(tenant)>.<uuidv7>`, where
 * `<slots>` is `t`, `g`, `tg` or `n` (nothing held). Callers treat it as opaque.
 */
import type { Slot } from '../counters/keys.js';
import { TallyError } from '../core/errors.js';
import { uuidv7 } from '../events/ids.js';

export interface ReservationRef {
  readonly id: string;
  readonly tenant: string;
  /** Slots the reservation holds in, tenant first. */
  readonly slots: readonly Slot[];
}

export function newReservationId(tenant: string, slots: readonly Slot[]): ReservationRef {
  const hasTenant = slots.some((s) => s !== null);
  const hasGlobal = slots.some((s) => s === null);
  const code = `${hasTenant ? 't' : ''}${hasGlobal ? 'g' : ''}` || 'n';
  const id = `r1.${code}.${Buffer.from(tenant, 'utf8').toString('base64url')}.${uuidv7()}`;
  return { id, tenant, slots: [...(hasTenant ? [tenant] : []), ...(hasGlobal ? [null] : [])] };
}

const ID_RE = /^r1\.(t|g|tg|n)\.([A-Za-z0-9_-]*)\.([0-9a-f-]{36})$/;

/** Reads an id back; RESERVATION_NOT_FOUND when it is not one of ours. */
export function parseReservationId(id: string): ReservationRef {
  const m = ID_RE.exec(id);
  if (!m) throw new TallyError('RESERVATION_NOT_FOUND', 'not a reservation id', { details: { reservation_id: id } });
  const code = m[1] ?? 'n';
  const tenant = Buffer.from(m[2] ?? '', 'base64url').toString('utf8');
  const slots: Slot[] = [];
  if (code.includes('t')) slots.push(tenant);
  if (code.includes('g')) slots.push(null);
  return { id, tenant, slots };
}
