/**
 * The Redis counter store: ioredis, standalone or Cluster. Every primitive is
 * one Lua script call in one slot (the key builder puts a single hash tag on
 * every key of a call). Scripts are registered at connect under versioned
 * names; failing status codes become typed errors in `statusError`; anything
 * that goes wrong on the wire becomes COUNTERS_UNAVAILABLE (retriable).
 */
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { TallyError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { STATUS, countersLost, isUnreachable, statusError, unavailable } from '../codes.js';
import { applyCall, epochCall, grantsCall, leaseCall, marksCall, readCall, reserveCall, settleCall, snapshotCall, swapCall, type ScriptCall } from '../args.js';
import { ALL_REGIONS, HASH_SLOTS } from '../epoch.js';
import { ALL_FIELDS, decodeFields } from '../fields.js';
import { CounterKeys } from '../keys.js';
import { commandName, loadScripts, packageVersion, type ScriptName } from './scripts.js';
import type {
  ApplyRequest, ApplyResult, CounterStore, CounterValue, FenceSnapshot, GrantSettleRequest, GrantSettleResult, LeaseRequest, LeaseResult, MarksRequest, ReadGroup, ReadRequest, RegionClaim, ReserveRequest,
  ReserveResult, SettleOutcome, SettleRequest, SnapshotRequest, SwapOutcome, SwapRequest,
} from '../types.js';

export type RedisClient = Redis | Cluster;

export interface RedisCounterStoreOptions {
  /** An existing client (standalone or Cluster). It is not closed by `close()`. */
  readonly client?: RedisClient;
  /** `redis://host:port/db` for a standalone Redis. */
  readonly url?: string;
  /** Seed nodes of a Redis Cluster. */
  readonly clusterNodes?: readonly ClusterNode[];
  /** Key prefix. Default `tally:`. */
  readonly prefix?: string;
  /** Expired reservations dropped per call, at most. Default 20. */
  readonly purgeLimit?: number;
  /** Extra ioredis options for a client this store creates. */
  readonly redisOptions?: RedisOptions;
  /**
   * What `createRedisCounterStore` does when a master's maxmemory-policy is
   * not `noeviction` (Redis could evict counters): `refuse` to connect
   * (default), or `warn` — log an error and run.
   */
  readonly unsafeEvictionPolicy?: UnsafeEvictionPolicy;
  /** Where the `warn` of `unsafeEvictionPolicy` (and an unreadable policy) is logged. Default: not logged. */
  readonly logger?: Logger;
}

/** What to do on connect when Redis may evict keys. */
export type UnsafeEvictionPolicy = 'refuse' | 'warn';

type Reply = (number | string | null | Reply)[];
type ScriptFn = (...args: string[]) => Promise<unknown>;

const DEFAULT_REDIS_OPTIONS: RedisOptions = {
  // Fail a command quickly when Redis is away: the processor and the API retry
  // with their own backoff and report not-ready meanwhile.
  maxRetriesPerRequest: 2,
  connectTimeout: 5_000,
  // Reconnect at most half a second apart (ioredis' default grows to 2 s): answers come back soon after Redis does.
  retryStrategy: (times: number) => Math.min(times * 50, 500),
};

/** Whether the counter store answers, as this process last saw it (for /readyz and the outage policies). */
export interface Reachability {
  readonly reachable: boolean;
  /** RFC 3339: when the current state began (null before anything was seen). */
  readonly since: string | null;
  /** Why not, while unreachable. */
  readonly error?: string;
}

function asReply(value: unknown, script: string): Reply {
  if (!Array.isArray(value)) throw new TallyError('INTERNAL', `counter script ${script} returned a non-array reply`);
  return value as Reply;
}

/** Where `now` is in a read call's KEYS then ARGV: ARGV[1], after the 3 keys of read-3.lua. */
const READ_NOW_AT = 3;

function rows(reply: Reply, from: number, fields: readonly string[] = ALL_FIELDS): CounterValue[] {
  const out: CounterValue[] = [];
  for (let i = from; i < reply.length; i++) {
    const row = reply[i];
    out.push(decodeFields(Array.isArray(row) ? row : [], fields));
  }
  return out;
}

function code(reply: Reply): number {
  return Number(reply[0]);
}

/** A LOST reply (`{9, index...}`): the entries of `slots` at those indexes. */
function lostOf<T extends { readonly slot: string | null }>(reply: Reply, of: readonly T[]): (string | null)[] {
  return reply.slice(1).map((i) => of[Number(i)]?.slot ?? null);
}

export class RedisCounterStore implements CounterStore {
  readonly kind = 'redis' as const;
  readonly keys: CounterKeys;
  readonly client: RedisClient;
  readonly isCluster: boolean;
  private readonly owned: boolean;
  private readonly purgeLimit: number;
  private readonly commands = new Map<ScriptName, string>();
  /** One-call reads' KEYS then ARGV by read plan (readArgs), with and without the epoch check. */
  private readonly readCalls = new WeakMap<readonly ReadGroup[], { readonly fields: readonly string[] | undefined; plain: string[] | undefined; epoch: string[] | undefined }>();
  /** When the store stopped answering (null: it answers), and why. */
  private downSince: number | null = null;
  private upSince: number | null = null;
  private downError = '';
  private readonly watchers: ((reachable: boolean) => void)[] = [];

  constructor(options: RedisCounterStoreOptions) {
    this.purgeLimit = options.purgeLimit ?? 20;
    const redisOptions = { ...DEFAULT_REDIS_OPTIONS, ...options.redisOptions };
    if (options.client) {
      this.client = options.client;
      this.owned = false;
    } else if (options.clusterNodes && options.clusterNodes.length > 0) {
      this.client = new Cluster([...options.clusterNodes], { redisOptions, scaleReads: 'master' });
      this.owned = true;
    } else if (options.url) {
      this.client = new Redis(options.url, redisOptions);
      this.owned = true;
    } else {
      throw new TallyError('CONFIG_INVALID', 'the Redis counter store needs a client, a url or cluster nodes');
    }
    if (this.owned) quietReconnects(this.client);
    this.isCluster = this.client instanceof Cluster;
    if (!this.isCluster) {
      // A standalone connection says when it drops and when it is back: calls meanwhile fail at once (see `run`).
      this.client.on('ready', () => this.markUp());
      this.client.on('close', () => this.markDown('the connection to Redis closed'));
    }
    this.keys = new CounterKeys(options.prefix, { clustered: this.isCluster });
    const version = packageVersion();
    for (const script of loadScripts().values()) {
      const name = commandName(script.name, version);
      this.client.defineCommand(name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
      this.commands.set(script.name, name);
    }
  }

  isReachable(): boolean {
    return this.downSince === null;
  }

  /** Whether Redis answers, as this process last saw it. */
  reachability(): Reachability {
    if (this.downSince !== null) return { reachable: false, since: new Date(this.downSince).toISOString(), error: this.downError };
    return { reachable: true, since: this.upSince === null ? null : new Date(this.upSince).toISOString() };
  }

  /** Calls `fn` whenever the store turns unreachable (false) or reachable again (true). */
  watchReachability(fn: (reachable: boolean) => void): void {
    this.watchers.push(fn);
  }

  private markDown(why: string): void {
    if (this.downSince !== null) return;
    this.downSince = Date.now();
    this.downError = why;
    for (const fn of this.watchers) fn(false);
  }

  private markUp(): void {
    if (this.downSince === null && this.upSince !== null) return;
    const was = this.downSince;
    this.downSince = null;
    this.upSince = Date.now();
    if (was !== null) for (const fn of this.watchers) fn(true);
  }

  private async run(script: ScriptName, call: ScriptCall): Promise<Reply> {
    return this.send(script, [...call.keys, ...call.args]);
  }

  /** Runs a script with its KEYS then ARGV in one list (numbers of keys as registered). */
  private async send(script: ScriptName, keysThenArgs: readonly string[]): Promise<Reply> {
    const name = this.commands.get(script) ?? '';
    const fn = (this.client as unknown as Record<string, ScriptFn | undefined>)[name];
    if (!fn) throw new TallyError('INTERNAL', `counter script ${script} is not registered`);
    // A dropped standalone connection: fail at once (COUNTERS_UNAVAILABLE, reason unreachable) instead of waiting in
    // ioredis' offline queue for reconnection attempts, so the outage policies answer in microseconds, not seconds.
    if (this.downSince !== null && !this.isCluster && this.client.status !== 'ready') throw unavailable(new Error(`Redis is unreachable (${this.downError})`), script);
    try {
      const reply = asReply(await fn.apply(this.client, keysThenArgs as string[]), script);
      if (this.downSince !== null || this.upSince === null) this.markUp();
      return reply;
    } catch (err) {
      const failure = redisFailure(err, script);
      if (isUnreachable(failure)) this.markDown(errorMessage(err));
      throw failure;
    }
  }

  async apply(req: ApplyRequest): Promise<ApplyResult> {
    const reply = await this.run('apply', applyCall(this.keys, req));
    const status = code(reply);
    const err = statusError(status, { script: 'apply', slot: req.slot, requiredVersion: status === STATUS.STALE_BUDGETS ? String(reply[1]) : undefined, slots: [req.slot] });
    if (err) throw err;
    return {
      applied: Number(reply[1]),
      fenced: Number(reply[2]),
      duplicates: Number(reply[3]),
      released: Number(reply[4]),
      values: rows(reply, 5, req.fields),
    };
  }

  async read(req: ReadRequest): Promise<CounterValue[]> {
    const groups = req.groups.filter((g) => g.keys.length > 0);
    if (groups.length === 0) return [];
    if (!this.isCluster || groups.length === 1) {
      const reply = await this.send('read', this.readArgs(req, groups));
      if (isLostReply(reply)) throw countersLost(lostOf(reply, groups));
      return rows(reply, 0, req.fields);
    }
    // Cluster: one call per slot, sent together (one network round trip).
    const replies = await Promise.all(groups.map((g) => this.run('read', readCall(this.keys, req.now, this.purgeLimit, [g], req.fields, req.epoch))));
    const lost = groups.filter((_, i) => isLostReply(replies[i] ?? []));
    if (lost.length > 0) throw countersLost(lost.map((g) => g.slot));
    return replies.flatMap((r) => rows(r, 0, req.fields));
  }

  /**
   * KEYS and ARGV of a one-call read: built once per read plan (the same `groups` and `fields` lists, which a
   * subject's cached plan keeps), then copied with `now` (ARGV[1]) filled in.
   */
  private readArgs(req: ReadRequest, groups: readonly ReadGroup[]): string[] {
    const epoch = req.epoch === true;
    const cached = this.readCalls.get(req.groups);
    const known = cached !== undefined && cached.fields === req.fields ? cached : undefined;
    const hit = epoch ? known?.epoch : known?.plain;
    if (hit) {
      const args = hit.slice();
      args[READ_NOW_AT] = String(req.now);
      return args;
    }
    const call = readCall(this.keys, req.now, this.purgeLimit, groups, req.fields, epoch);
    const built = [...call.keys, ...call.args];
    const entry = known ?? { fields: req.fields, plain: undefined, epoch: undefined };
    if (epoch) entry.epoch = built;
    else entry.plain = built;
    this.readCalls.set(req.groups, entry);
    return built.slice();
  }

  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    if (!this.isCluster || req.parts.length <= 1) {
      const reply = await this.run('reserve', reserveCall(this.keys, req, this.purgeLimit));
      if (code(reply) === STATUS.LOST) throw countersLost(lostOf(reply, req.parts));
      const granted = code(reply) === STATUS.OK;
      return { granted, refused: granted ? null : { part: Number(reply[1]), check: Number(reply[2]) }, values: rows(reply, 3, req.fields) };
    }
    // Cluster with parts in several slots: reserve part by part; a refusal releases the parts already held.
    const values: CounterValue[] = [];
    for (let i = 0; i < req.parts.length; i++) {
      const part = req.parts[i];
      if (!part) continue;
      const reply = await this.run('reserve', reserveCall(this.keys, req, this.purgeLimit, [part]));
      if (code(reply) === STATUS.LOST) {
        await Promise.all(req.parts.slice(0, i).map((held) => this.releasePart(held.slot, req)));
        throw countersLost([part.slot]);
      }
      if (code(reply) !== STATUS.OK) {
        await Promise.all(req.parts.slice(0, i).map((held) => this.releasePart(held.slot, req)));
        return { granted: false, refused: { part: i, check: Number(reply[2]) }, values: [...values, ...rows(reply, 3, req.fields)] };
      }
      values.push(...rows(reply, 3, req.fields));
    }
    return { granted: true, refused: null, values };
  }

  async lease(req: LeaseRequest): Promise<LeaseResult> {
    if (!this.isCluster || req.parts.length <= 1) {
      const reply = await this.run('lease', leaseCall(this.keys, req, this.purgeLimit));
      if (code(reply) === STATUS.LOST) throw countersLost(lostOf(reply, req.parts));
      return { granted: req.parts.map(() => code(reply) === STATUS.OK), values: rows(reply, 3, req.fields) };
    }
    // Cluster with parts in several slots: one call per slot, sent together. Each part holds its size or
    // its floor on its own; nothing is rolled back (a part never holds less than the floor).
    const replies = await Promise.all(req.parts.map((part) => this.run('lease', leaseCall(this.keys, req, this.purgeLimit, [part]))));
    const lost = req.parts.filter((_, i) => code(replies[i] ?? []) === STATUS.LOST);
    if (lost.length > 0) throw countersLost(lost.map((p) => p.slot));
    return { granted: replies.map((r) => code(r) === STATUS.OK), values: replies.flatMap((r) => rows(r, 3, req.fields)) };
  }

  private async releasePart(slot: string | null, req: ReserveRequest): Promise<void> {
    await this.settle({ slot, now: req.now, id: req.id, awaitEvent: null, actual: null, awaitExpireAt: req.now, dedup: { windowMs: 1, buckets: 1 } });
  }

  async grants(req: GrantSettleRequest): Promise<GrantSettleResult> {
    const reply = await this.run('grants', grantsCall(this.keys, req));
    const status = code(reply);
    if (req.mode === 'take') {
      const taken: { grant: string; mode: 'release' | 'move' }[] = [];
      for (let i = 1; i + 1 < reply.length; i += 2) taken.push({ grant: String(reply[i]), mode: String(reply[i + 1]) === 'm' ? 'move' : 'release' });
      return { outcome: 'recorded', taken };
    }
    return { outcome: status === STATUS.OK ? 'recorded' : status === STATUS.ALREADY ? 'already' : 'gone', taken: [] };
  }

  async settle(req: SettleRequest): Promise<SettleOutcome> {
    const reply = await this.run('settle', settleCall(this.keys, req));
    const status = code(reply);
    const err = statusError(status, { script: 'settle', slot: req.slot, id: req.id });
    if (err) throw err;
    if (status === STATUS.ALREADY && req.reportExpired === true && String(reply[1]) === 'expired') return 'expired';
    return status === STATUS.OK ? 'released' : status === STATUS.AWAITING ? 'awaiting' : 'already';
  }

  async marks(req: MarksRequest): Promise<boolean[]> {
    if (req.entries.length === 0) return [];
    const reply = await this.run('marks', marksCall(this.keys, req));
    return reply.map((v) => Number(v) === 1);
  }

  async snapshot(req: SnapshotRequest): Promise<FenceSnapshot> {
    const reply = await this.run('snapshot', snapshotCall(this.keys, req));
    const err = statusError(code(reply), { script: 'snapshot', slot: req.slot });
    if (err) throw err;
    const fence: Record<string, string> = {};
    for (let i = 2; i + 1 < reply.length; i += 2) fence[String(reply[i])] = String(reply[i + 1]);
    return { version: String(reply[1]), fence };
  }

  async swap(req: SwapRequest): Promise<SwapOutcome> {
    const reply = await this.run('swap', swapCall(this.keys, req));
    const status = code(reply);
    return status === STATUS.OK ? 'swapped' : status === STATUS.LIVE ? 'live' : 'fence_moved';
  }

  // ─── epoch (see ../epoch.ts) ────────────────────────────────────────────

  async lostRegions(): Promise<string[]> {
    if (!(this.client instanceof Cluster)) return (await this.regionLive(ALL_REGIONS)) ? [] : [ALL_REGIONS];
    // One sample per master; every region of a master whose sample is missing.
    const byNode = new Map<string, number[]>();
    this.client.slots.forEach((nodes, slot) => {
      const master = nodes[0];
      if (master === undefined) return;
      const slots = byNode.get(master);
      if (slots === undefined) byNode.set(master, [slot]);
      else slots.push(slot);
    });
    if (byNode.size === 0) return [...Array(HASH_SLOTS).keys()].map(String); // no slot map yet: check everything
    const lost: string[] = [];
    for (const slots of byNode.values()) {
      const sample = slots[0];
      if (sample === undefined || (await this.regionLive(String(sample)))) continue;
      const live = await Promise.all(slots.map((slot) => this.regionLive(String(slot))));
      slots.forEach((slot, i) => {
        if (!live[i]) lost.push(String(slot));
      });
    }
    return lost;
  }

  async claimRegion(region: string, token: string, ttlMs: number): Promise<RegionClaim> {
    const status = code(await this.run('epoch', epochCall(this.keys, region, 'claim', token, '', ttlMs)));
    return status === STATUS.LIVE ? 'live' : status === STATUS.BUSY ? 'busy' : 'claimed';
  }

  async markRegion(region: string, token: string, epoch: string): Promise<boolean> {
    return code(await this.run('epoch', epochCall(this.keys, region, 'mark', token, epoch))) === STATUS.OK;
  }

  async releaseRegion(region: string, token: string): Promise<void> {
    await this.run('epoch', epochCall(this.keys, region, 'release', token));
  }

  private async regionLive(region: string): Promise<boolean> {
    const reply = await this.run('epoch', epochCall(this.keys, region, 'probe'));
    return Number(reply[1]) === 1;
  }

  async clear(): Promise<number> {
    const nodes: Redis[] = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    let deleted = 0;
    try {
      for (const node of nodes) {
        let cursor = '0';
        do {
          const [next, found] = await node.scan(cursor, 'MATCH', this.keys.scanPattern(), 'COUNT', 1000);
          cursor = next;
          // One key per command: keys of different slots may not share one in a Cluster.
          if (found.length > 0) deleted += (await Promise.all(found.map((k) => node.unlink(k)))).reduce((a, b) => a + b, 0);
        } while (cursor !== '0');
      }
    } catch (err) {
      throw redisFailure(err, 'clear');
    }
    return deleted;
  }

  /** Asks Redis to answer (every master of a Cluster); COUNTERS_UNAVAILABLE when one does not. */
  async ping(): Promise<void> {
    const nodes: RedisClient[] = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    if (nodes.length === 0) throw unavailable(new Error('the cluster has no master node'), 'ping');
    try {
      await Promise.all(nodes.map((node) => node.ping()));
    } catch (err) {
      throw unavailable(err, 'ping');
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.client.quit().catch(() => undefined);
  }
}

/**
 * While Redis is away ioredis reconnects and emits an `error` per failed
 * attempt, which it prints to stderr when nobody listens. The failures reach
 * tally anyway: every command fails (COUNTERS_UNAVAILABLE), the caller logs
 * and retries, and readiness says so; a listener keeps stderr quiet.
 */
function quietReconnects(client: RedisClient): void {
  client.on('error', () => undefined);
}

/** A read reply is rows (arrays); a status (`{9, index...}`) starts with a number. */
function isLostReply(reply: Reply): boolean {
  return reply.length > 0 && !Array.isArray(reply[0]) && Number(reply[0]) === STATUS.LOST;
}

const TRANSIENT_REPLY = /^(LOADING|CLUSTERDOWN|TRYAGAIN|BUSY|MASTERDOWN|READONLY|NOREPLICAS|MOVED|ASK)\b/;

/** A Lua or command error is a bug (INTERNAL); anything else on the wire is COUNTERS_UNAVAILABLE (retriable). */
function redisFailure(err: unknown, script: string): TallyError {
  if (err instanceof TallyError) return err;
  if (err instanceof Error && err.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) {
    return new TallyError('INTERNAL', `counter script ${script} failed: ${err.message}`, { cause: err });
  }
  return unavailable(err, script);
}

/** A master's address and its maxmemory-policy (null when Redis would not say). */
interface NodePolicy {
  readonly node: string;
  readonly policy: string | null;
}

async function evictionPolicies(client: RedisClient): Promise<NodePolicy[]> {
  const nodes: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  return Promise.all(
    nodes.map(async (node) => {
      const address = `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`;
      // INFO, not CONFIG GET: managed Redis services often disable CONFIG.
      const info = await node.info('memory').catch(() => '');
      return { node: address, policy: /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? null };
    }),
  );
}

/**
 * Refuses (or, with `warn`, logs) a Redis that may evict keys: counters,
 * reservations, alert marks and offset fences carry expiry times, so any
 * policy but `noeviction` (volatile-* included) can drop them under memory
 * pressure and tally would count on as if nothing happened. Every master of
 * a Cluster is asked.
 */
async function checkEvictionPolicy(client: RedisClient, action: UnsafeEvictionPolicy, logger: Logger | undefined): Promise<void> {
  const policies = await evictionPolicies(client);
  const unknown = policies.filter((p) => p.policy === null);
  if (unknown.length > 0) logger?.warn({ nodes: unknown.map((p) => p.node) }, 'could not read maxmemory-policy (INFO memory refused): make sure it is noeviction, or Redis may evict counters');
  const unsafe = policies.filter((p) => p.policy !== null && p.policy !== 'noeviction');
  if (unsafe.length === 0) return;
  const which = unsafe.map((p) => `${p.node} has maxmemory-policy ${p.policy ?? ''}`).join('; ');
  const fix = 'set maxmemory-policy noeviction (CONFIG SET maxmemory-policy noeviction, redis.conf, or your provider\'s parameter group)';
  if (action === 'warn') {
    logger?.error({ nodes: unsafe }, `${which}: Redis may evict tally's counters without a trace when memory runs out — ${fix}`);
    return;
  }
  throw new TallyError('COUNTERS_EVICTION_POLICY', `${which}: Redis may evict tally's counters (period totals, reservations, alert marks, offset fences) without a trace when memory runs out. ${fix[0]?.toUpperCase()}${fix.slice(1)}; or set redis.unsafeEvictionPolicy: warn (TALLY_REDIS_UNSAFE_EVICTION=warn) to run anyway`, {
    details: { nodes: unsafe },
  });
}

/** Connects a Redis counter store, waits until it answers, and checks that Redis will not evict counters. */
export async function createRedisCounterStore(options: RedisCounterStoreOptions): Promise<RedisCounterStore> {
  const store = new RedisCounterStore(options);
  try {
    await store.client.ping();
  } catch (err) {
    await store.close();
    throw unavailable(err, 'connect');
  }
  try {
    await checkEvictionPolicy(store.client, options.unsafeEvictionPolicy ?? 'refuse', options.logger);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
