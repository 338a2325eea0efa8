/**
 * The counter-store port: a handful of atomic primitives over counters that
 * are identified by key (built by `CounterKeys`). Which counters an event
 * touches, periods and budget arithmetic are decided in TypeScript by
 * src/budgets; the store only applies, holds, reads and swaps — so the Redis
 * and the in-memory adapter cannot drift apart. Every call runs in ONE slot
 * (a tenant's hash tag, or the global one), except `read` and `reserve`,
 * which take one group per slot (see their docs).
 *
 * All amounts are exact integers: cost and price in femto-USD, tokens, requests.
 */
import type { CounterKeys, Slot } from './keys.js';
import { type TokenClass } from '../core/classes.js';

export type { Slot } from './keys.js';

/** Counted usage: what events added to a counter. */
export interface UsageAmounts {
  /** femto-USD */
  readonly cost: bigint;
  /** total tokens */
  readonly tokens: bigint;
  readonly requests: bigint;
  /** tokens per class (only classes with a non-zero count need be present) */
  readonly classes: Readonly<Partial<Record<TokenClass, bigint>>>;
  /** femto-USD: the billed price (issue 16; the customer's price book), counted for wallets and `price` budgets */
  readonly price: bigint;
}

/** What reservations currently hold on a counter. A token hold counts against every token metric. */
export interface HeldAmounts {
  readonly cost: bigint;
  readonly tokens: bigint;
  readonly requests: bigint;
  /** femto-USD of billed price */
  readonly price: bigint;
}

export interface CounterValue {
  readonly used: UsageAmounts;
  readonly held: HeldAmounts;
}

/** A counter to write, with the instant (epoch ms) its key may expire. */
export interface CounterTarget {
  readonly key: string;
  readonly expireAt: number;
}

/** How event ids are remembered: `buckets` sets of `windowMs / buckets` each. A zero window turns dedup off. */
export interface DedupWindow {
  /** An id seen within this many ms is always recognised. Default 24 h. */
  readonly windowMs: number;
  /** Number of sets the window is cut into (memory is freed a set at a time). Default 4. */
  readonly buckets: number;
}

// ─── apply ────────────────────────────────────────────────────────────────

export interface ApplyEvent {
  /** Source offset (int64 decimal) when the event came from the event log; null skips the fence. */
  readonly offset: string | null;
  /** Dedup member (`CounterKeys.dedupMember`). */
  readonly dedupId: string;
  readonly usage: UsageAmounts;
  /** Indexes into `ApplyRequest.counters`. */
  readonly counters: readonly number[];
}

export interface ApplyRequest {
  readonly slot: Slot;
  readonly now: number;
  /** Version of the budget set the increments were planned with (decimal). */
  readonly version: string;
  /** Fence field (`CounterKeys.fenceField`) of the source partition, or null. */
  readonly fence: string | null;
  readonly dedup: DedupWindow;
  readonly counters: readonly CounterTarget[];
  readonly events: readonly ApplyEvent[];
  /** Counters to read after the increments (for threshold crossings). */
  readonly readBack: readonly string[];
  /** Fields of `readBack` needed (others may read as zero). Default all. */
  readonly fields?: readonly string[];
  /** Refuse (COUNTERS_UNAVAILABLE, reason `counters_lost`) when the slot is not live (see epoch.ts). Default false. */
  readonly epoch?: boolean;
}

export interface ApplyResult {
  readonly applied: number;
  /** Skipped: at or below the partition fence. */
  readonly fenced: number;
  /** Skipped: event id already seen in the dedup window. */
  readonly duplicates: number;
  /** Reservations released because the event they awaited was applied. */
  readonly released: number;
  /** Values of `readBack`, in order. */
  readonly values: readonly CounterValue[];
}

// ─── read ─────────────────────────────────────────────────────────────────

export interface ReadGroup {
  readonly slot: Slot;
  readonly keys: readonly string[];
}

/**
 * Reads counters (used and held) after dropping expired reservations. One
 * command on a standalone Redis; one command per slot on Redis Cluster (sent
 * together, so still one network round trip).
 */
export interface ReadRequest {
  readonly now: number;
  readonly groups: readonly ReadGroup[];
  /** Fields needed (others may read as zero). Default all. */
  readonly fields?: readonly string[];
  /** Refuse (COUNTERS_UNAVAILABLE, reason `counters_lost`, `details.slots`) when a group's slot is not live. Default false. */
  readonly epoch?: boolean;
}

// ─── reserve / settle ─────────────────────────────────────────────────────

/** The metric a check compares. `class` checks one token class. */
export type CheckField = { readonly metric: 'cost' | 'tokens' | 'requests' | 'price' } | { readonly metric: 'class'; readonly class: TokenClass };

/** used + held of `keys`, plus `amount`, must not exceed `limit`. */
export interface ReserveCheck {
  readonly field: CheckField;
  readonly keys: readonly string[];
  readonly limit: bigint;
  readonly amount: bigint;
}

export interface ReservePart {
  readonly slot: Slot;
  readonly checks: readonly ReserveCheck[];
  /** Counters that hold the estimate when granted. */
  readonly holds: readonly CounterTarget[];
  /** Counters to return (after holding, when granted). */
  readonly read: readonly string[];
}

export interface ReserveRequest {
  readonly now: number;
  /** Unique reservation id (the same in every part). */
  readonly id: string;
  /** When an unsettled hold expires (epoch ms). */
  readonly expireAt: number;
  readonly hold: HeldAmounts;
  readonly parts: readonly ReservePart[];
  /** Fields of the `read` counters needed (others may read as zero). Default all. */
  readonly fields?: readonly string[];
  /** Refuse, holding nothing (COUNTERS_UNAVAILABLE, reason `counters_lost`), when a part's slot is not live. Default false. */
  readonly epoch?: boolean;
}

export interface ReserveResult {
  readonly granted: boolean;
  /** When refused: which part and check had no room. */
  readonly refused: { readonly part: number; readonly check: number } | null;
  /** `read` values of every part, in order, concatenated. */
  readonly values: readonly CounterValue[];
}

export interface SettleRequest {
  readonly slot: Slot;
  readonly now: number;
  readonly id: string;
  /** The dedup member of the event carrying the real usage, when known. */
  readonly awaitEvent: string | null;
  /** The real usage, when known: the hold is resized to it while awaiting the event. */
  readonly actual: HeldAmounts | null;
  /** How long to keep holding while the event has not been applied. */
  readonly awaitExpireAt: number;
  readonly dedup: DedupWindow;
  /** Report a reservation that had expired as `expired` instead of `already`. Default false. */
  readonly reportExpired?: boolean;
}

/**
 * released: the hold is gone now. awaiting: held until the event is applied
 * (or expiry). already: settled, consumed or expired before. expired: it had
 * expired (only with `reportExpired`; otherwise that is `already`).
 */
export type SettleOutcome = 'released' | 'awaiting' | 'already' | 'expired';

// ─── leases (src/budgets/leases.ts) ─────────────────────────────────────

/**
 * Takes, renews or resizes a lease: the reservation `id` (new or live) is
 * replaced, atomically per slot, by a hold of `hold` when every check has
 * room (a lease's check amounts are a few times its size), or else by a hold
 * of `floor` (no check: what was granted from the lease already). Its
 * previous hold is the lease's own room, released before the checks.
 */
export interface LeaseRequest extends ReserveRequest {
  readonly floor: HeldAmounts;
}

export interface LeaseResult {
  /** Per part (in order): whether it holds `hold` (else `floor`). On Redis Cluster parts are independent; elsewhere all or none. */
  readonly granted: readonly boolean[];
  /** `read` values of every part, read after holding, in order, concatenated. */
  readonly values: readonly CounterValue[];
}

/**
 * A settle of a lease grant reaching a process that does not hold the lease
 * (another API process behind a load balancer), recorded in the lease's slot
 * for the holder to apply at its next renewal (grants-3.lua). `release` and
 * `move` never lower a hold: `move` (a settle naming its event) creates a
 * reservation record `grant` holding `hold` until `expireAt`, which the caller
 * then settles as usual; the holder lets its own copy go when it takes the
 * settle. `take` (the holder) returns the settles recorded since its last take.
 */
export interface GrantSettleRequest {
  readonly slot: Slot;
  readonly now: number;
  /** The lease's reservation id. */
  readonly lease: string;
  readonly mode: 'release' | 'move' | 'take';
  /** The grant's id ('' for take). */
  readonly grant: string;
  /** move: what the new record holds. */
  readonly hold: HeldAmounts;
  /** The grant's expiry (epoch ms). */
  readonly expireAt: number;
}

export interface GrantSettleResult {
  /** release / move: recorded; already: settled before; gone: the lease (and with it the grant's hold) no longer exists. take: recorded. */
  readonly outcome: 'recorded' | 'already' | 'gone';
  /** take: the grants settled elsewhere, with how. */
  readonly taken: readonly { readonly grant: string; readonly mode: 'release' | 'move' }[];
}

// ─── alert marks ──────────────────────────────────────────────────────────

export interface MarkEntry {
  readonly key: string;
  readonly field: string;
  readonly expireAt: number;
}

/**
 * claim: take marks that are neither sent nor claimed by another source
 * partition (a redelivery of the claiming batch reclaims them; a later batch
 * of the same partition proves they were published and turns them to sent);
 * confirm: mark as sent; seal: mark as sent without an alert (reconcile).
 */
export type MarkMode = 'claim' | 'confirm' | 'seal';

export interface MarksRequest {
  readonly slot: Slot;
  readonly mode: MarkMode;
  /** Claimant: the source partition's fence field; '' for events not from the log (claimed straight to sent). */
  readonly token: string;
  /** Offsets of the batch (decimal), '' when not from the log. */
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly entries: readonly MarkEntry[];
}

// ─── reconcile ────────────────────────────────────────────────────────────

export interface SnapshotRequest {
  readonly slot: Slot;
  /** Raises the slot's version gate to at least this (applies planned with older budget sets are refused). */
  readonly minVersion: string;
  /** When set, takes the reconcile lock (applies wait) until swap or `lockTtlMs`. */
  readonly lockToken: string | null;
  readonly lockTtlMs: number;
}

export interface FenceSnapshot {
  /** Fence field → offset. */
  readonly fence: Readonly<Record<string, string>>;
  readonly version: string;
}

export interface SwapCounter {
  readonly key: string;
  readonly expireAt: number;
  readonly used: UsageAmounts;
}

export interface SwapRequest {
  readonly slot: Slot;
  /** The fence seen by the snapshot: the swap happens only if it is still exactly this. */
  readonly expected: Readonly<Record<string, string>>;
  /** Fence fields absent at the snapshot to set now (their offsets are covered by the computation). */
  readonly establish: Readonly<Record<string, string>>;
  readonly lockToken: string | null;
  readonly counters: readonly SwapCounter[];
  /** On success, write the slot marker with this value: the swap completed the slot's counters (see epoch.ts). */
  readonly markLive?: string;
  /** Write nothing (`live`) when the slot is live already: another process rebuilt it first. */
  readonly onlyIfLost?: boolean;
}

/** `live`: only with `onlyIfLost`, the slot was live already and nothing was written. */
export type SwapOutcome = 'swapped' | 'fence_moved' | 'live';

// ─── epoch (loss detection, see epoch.ts) ──────────────────────────────────

/** Claiming a lost region for its rebuild: `live` — its marker exists (nothing to do); `busy` — another process rebuilds it. */
export type RegionClaim = 'claimed' | 'live' | 'busy';

// ─── the port ─────────────────────────────────────────────────────────────

export interface CounterStore {
  readonly kind: 'redis' | 'memory';
  readonly keys: CounterKeys;
  /**
   * False while this process knows the store does not answer (a dropped
   * connection, a call that failed on the wire and none succeeded since);
   * cheap, no call. Absent: always reachable (memory).
   */
  isReachable?(): boolean;
  /** Applies increments once: fence, dedup, version gate; releases reservations awaiting applied events. */
  apply(req: ApplyRequest): Promise<ApplyResult>;
  read(req: ReadRequest): Promise<CounterValue[]>;
  /**
   * Checks every check of every part and, only if all have room, holds the
   * estimate on every `holds` counter. Atomic over all parts on a standalone
   * Redis and in memory; on Redis Cluster parts in different slots are
   * reserved one after the other and a refusal releases what was held.
   */
  reserve(req: ReserveRequest): Promise<ReserveResult>;
  /** Takes, renews or resizes a budget lease (see `LeaseRequest`). Never releases a part without holding at least `floor` in its place. */
  lease(req: LeaseRequest): Promise<LeaseResult>;
  /** Records (or, for the holder, takes) settles of lease grants made by another process (see `GrantSettleRequest`). */
  grants(req: GrantSettleRequest): Promise<GrantSettleResult>;
  /** Releases (or arms the await of) one slot's part of a reservation. Idempotent. Throws RESERVATION_NOT_FOUND. */
  settle(req: SettleRequest): Promise<SettleOutcome>;
  /** One boolean per entry: whether this call changed the mark (claimed, confirmed, sealed). */
  marks(req: MarksRequest): Promise<boolean[]>;
  snapshot(req: SnapshotRequest): Promise<FenceSnapshot>;
  swap(req: SwapRequest): Promise<SwapOutcome>;
  /**
   * Regions (see epoch.ts) whose epoch marker is missing: lost, or never
   * initialised. Probes one region per Redis node first, then every region of
   * a node whose sample is missing.
   */
  lostRegions(): Promise<string[]>;
  /** Takes the rebuild lock of a region for `ttlMs` (again, to extend it). */
  claimRegion(region: string, token: string, ttlMs: number): Promise<RegionClaim>;
  /** Writes a region's marker (its counters are complete) and drops `token`'s lock. False when another token holds the lock. */
  markRegion(region: string, token: string, epoch: string): Promise<boolean>;
  /** Drops `token`'s lock of a region, if it holds it. */
  releaseRegion(region: string, token: string): Promise<void>;
  /** Deletes every key under the prefix. For tests and `reconcile --reset`. */
  clear(): Promise<number>;
  close(): Promise<void>;
}

export const DEFAULT_DEDUP: DedupWindow = { windowMs: 24 * 3_600_000, buckets: 4 };

/** The dedup-set indexes live at `now`: the current one first, then `buckets` older ones. */
export function dedupIndexes(now: number, dedup: DedupWindow): number[] {
  if (dedup.windowMs <= 0) return [];
  const size = Math.max(1, Math.floor(dedup.windowMs / dedup.buckets));
  const current = Math.floor(now / size);
  const out: number[] = [];
  for (let i = 0; i <= dedup.buckets; i++) out.push(current - i);
  return out;
}

/** When the current dedup set may expire: its end plus the window. */
export function dedupExpireAt(now: number, dedup: DedupWindow): number {
  const size = Math.max(1, Math.floor(dedup.windowMs / dedup.buckets));
  return (Math.floor(now / size) + 1) * size + dedup.windowMs;
}
