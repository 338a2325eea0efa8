/**
 * Requests of the counter port → KEYS and ARGV of the Lua scripts (see the
 * header of each script for the layout). Pure; unit-tested.
 */
import type { CounterKeys, Slot } from './keys.js';
import { ALL_FIELDS, USED_FIELDS, checkFieldCode, isMoneyField, splitCost, usageArgs } from './fields.js';
import {
  dedupExpireAt, dedupIndexes,
  type ApplyRequest, type GrantSettleRequest, type HeldAmounts, type LeaseRequest, type MarksRequest, type ReadGroup, type ReservePart, type ReserveRequest,
  type SettleRequest, type SnapshotRequest, type SwapRequest, type UsageAmounts,
} from './types.js';
import { TOKEN_CLASSES } from '../core/classes.js';

export interface ScriptCall {
  readonly keys: string[];
  readonly args: string[];
}

function slotKeys(keys: CounterKeys, slot: Slot): string[] {
  return [keys.reservations(slot), keys.reservationIndex(slot), keys.awaiting(slot)];
}

function list(values: readonly string[]): string[] {
  return [String(values.length), ...values];
}

/** The two epoch marker keys a script checks for `slot`, or two empty strings: no check. */
function markers(keys: CounterKeys, slot: Slot, check: boolean | undefined): [string, string] {
  return check === true ? [keys.regionMarker(keys.region(slot)), keys.slotMarker(slot)] : ['', ''];
}

export function applyCall(keys: CounterKeys, req: ApplyRequest): ScriptCall {
  const dedupKeys = dedupIndexes(req.now, req.dedup).map((i) => keys.dedup(req.slot, i));
  const args = [String(req.now), req.version, req.fence ?? '', ...markers(keys, req.slot, req.epoch), ...list(dedupKeys), String(dedupExpireAt(req.now, req.dedup))];
  args.push(String(req.counters.length));
  for (const c of req.counters) args.push(c.key, String(c.expireAt));
  args.push(String(req.events.length));
  for (const e of req.events) {
    args.push(e.offset ?? '', e.dedupId, ...usageArgs(e.usage), ...list(e.counters.map((i) => String(i + 1))));
  }
  args.push(...list(req.readBack), ...list(req.fields ?? ALL_FIELDS));
  return {
    keys: [keys.fence(req.slot), keys.version(req.slot), keys.lock(req.slot), ...slotKeys(keys, req.slot)],
    args,
  };
}

/** One call reading every group (standalone Redis: any slots). */
export function readCall(keys: CounterKeys, now: number, purgeLimit: number, groups: readonly ReadGroup[], fields: readonly string[] = ALL_FIELDS, epoch = false): ScriptCall {
  const [first, ...rest] = groups;
  const args = [String(now), String(purgeLimit)];
  // One marker pair per group, in group order (the script reports lost groups by index).
  if (epoch) args.push(String(groups.length), ...groups.flatMap((g) => markers(keys, g.slot, true)));
  else args.push('0');
  args.push(String(rest.length));
  for (const g of rest) args.push(...slotKeys(keys, g.slot));
  args.push(...list(fields), ...list(groups.flatMap((g) => g.keys)));
  return { keys: slotKeys(keys, first?.slot ?? null), args };
}

/** A hold for Lua: hc1, hc0, ht, hr, hp1, hp0. */
function holdArgs(h: HeldAmounts): string[] {
  return [...splitCost(h.cost), h.tokens.toString(), h.requests.toString(), ...splitCost(h.price)];
}

function partArgs(keys: CounterKeys, part: ReservePart, epoch: boolean | undefined): string[] {
  const args = [...slotKeys(keys, part.slot), ...markers(keys, part.slot, epoch)];
  args.push(String(part.checks.length));
  for (const c of part.checks) {
    const code = checkFieldCode(c.field);
    const money = isMoneyField(c.field);
    const [limHi, limLo] = money ? splitCost(c.limit) : [c.limit.toString(), '0'];
    const [amtHi, amtLo] = money ? splitCost(c.amount) : [c.amount.toString(), '0'];
    args.push(code, limHi, limLo, amtHi, amtLo, ...list(c.keys));
  }
  args.push(String(part.holds.length));
  for (const h of part.holds) args.push(h.key, String(h.expireAt));
  args.push(...list(part.read));
  return args;
}

export function reserveCall(keys: CounterKeys, req: ReserveRequest, purgeLimit: number, parts: readonly ReservePart[] = req.parts): ScriptCall {
  const args = [String(req.now), req.id, String(req.expireAt), ...holdArgs(req.hold), String(purgeLimit), ...list(req.fields ?? ALL_FIELDS)];
  args.push(String(parts.length));
  for (const p of parts) args.push(...partArgs(keys, p, req.epoch));
  return { keys: slotKeys(keys, parts[0]?.slot ?? null), args };
}

/** lease-3.lua: the layout of reserve-3.lua, then the floor. */
export function leaseCall(keys: CounterKeys, req: LeaseRequest, purgeLimit: number, parts: readonly ReservePart[] = req.parts): ScriptCall {
  const call = reserveCall(keys, req, purgeLimit, parts);
  return { keys: call.keys, args: [...call.args, ...holdArgs(req.floor)] };
}

export function grantsCall(keys: CounterKeys, req: GrantSettleRequest): ScriptCall {
  const mode = req.mode === 'release' ? 'r' : req.mode === 'move' ? 'm' : 't';
  return {
    keys: [keys.reservations(req.slot), keys.reservationIndex(req.slot), keys.grantSettles(req.slot, req.lease)],
    args: [String(req.now), req.lease, mode, req.grant, ...holdArgs(req.hold), String(req.expireAt)],
  };
}

export function settleCall(keys: CounterKeys, req: SettleRequest): ScriptCall {
  const dedupKeys = dedupIndexes(req.now, req.dedup).map((i) => keys.dedup(req.slot, i));
  const actual = req.actual ? ['1', ...holdArgs(req.actual)] : ['0', '0', '0', '0', '0', '0', '0'];
  return {
    keys: slotKeys(keys, req.slot),
    args: [String(req.now), req.id, req.awaitEvent ?? '', String(req.awaitExpireAt), ...actual, ...list(dedupKeys)],
  };
}

export function marksCall(keys: CounterKeys, req: MarksRequest): ScriptCall {
  const args = [req.mode, req.token, req.firstOffset, req.lastOffset, String(req.entries.length)];
  for (const e of req.entries) args.push(e.key, e.field, String(e.expireAt));
  return { keys: [keys.version(req.slot)], args };
}

export function snapshotCall(keys: CounterKeys, req: SnapshotRequest): ScriptCall {
  return {
    keys: [keys.fence(req.slot), keys.version(req.slot), keys.lock(req.slot)],
    args: [req.minVersion, req.lockToken ?? '', String(req.lockTtlMs)],
  };
}

/** The used fields of a counter, in USED_FIELDS order. */
export function usedValues(u: UsageAmounts): string[] {
  const [hi, lo] = splitCost(u.cost);
  return [hi, lo, u.tokens.toString(), u.requests.toString(), ...TOKEN_CLASSES.map((c) => (u.classes[c] ?? 0n).toString()), ...splitCost(u.price)];
}

/** The epoch script of one region (see epoch-2.lua). */
export function epochCall(keys: CounterKeys, region: string, mode: 'probe' | 'claim' | 'mark' | 'release', token = '', value = '', ttlMs = 0): ScriptCall {
  return { keys: [keys.regionMarker(region), keys.regionLock(region)], args: [mode, token, value, String(ttlMs)] };
}

export function swapCall(keys: CounterKeys, req: SwapRequest): ScriptCall {
  const pairs = (r: Readonly<Record<string, string>>): string[] => {
    const entries = Object.entries(r);
    return [String(entries.length), ...entries.flat()];
  };
  const epoch = req.markLive !== undefined || req.onlyIfLost === true;
  const args = [req.lockToken ?? '', ...markers(keys, req.slot, epoch), req.markLive ?? '', req.onlyIfLost === true ? '1' : '0'];
  args.push(...pairs(req.expected), ...pairs(req.establish), ...list(USED_FIELDS));
  args.push(String(req.counters.length));
  for (const c of req.counters) args.push(c.key, String(c.expireAt), ...usedValues(c.used));
  return { keys: [keys.fence(req.slot), keys.lock(req.slot)], args };
}
