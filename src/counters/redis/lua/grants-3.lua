--[[
  Settles of lease grants made by another process (src/budgets/leases.ts).
  A reservation granted from a lease lives only in its holder's memory: its
  hold is part of the lease's hold. A settle reaching another process is
  recorded here, in the lease's slot, for the holder to apply at its next
  renewal ('take'). Nothing here ever lowers a hold, so no settle recorded
  by another process can let a budget overshoot.

  KEYS[1] reservations hash, KEYS[2] rsv index, KEYS[3] grant settles of the lease (hash: grant id -> mode)
  ARGV: now, leaseId, mode, grantId, hc1, hc0, ht, hr, hp1, hp0, expireAt
    mode 'r' (release): recorded; the holder frees the grant's estimate at its next renewal.
    mode 'm' (move, a settle naming the event): a reservation record `grantId` is created
         holding (hc1, hc0, ht, hr, hp1, hp0) on the lease's counters until `expireAt` (held twice
         until the holder lets its own copy go at its next renewal); the caller settles it then.
    mode 't' (take, the holder): every grant settle not yet taken, marked taken.
  Returns: {0}                        r, m: recorded
           {5}                        r, m: the grant was settled before
           {4}                        r, m: the lease is gone (expired or returned): so is the grant's hold
           {0, grantId, mode, ...}    t: the settles recorded since the last take
]]
--@include "util"
--@include "reservations"

local now = tonumber(ARGV[1])
local leaseId = ARGV[2]
local mode = ARGV[3]
local grantId = ARGV[4]

if mode == 't' then
  local all = redis.call('HGETALL', KEYS[3])
  local out = {0}
  for i = 1, #all, 2 do
    local v = all[i + 1]
    if v == 'r' or v == 'm' then
      out[#out + 1] = all[i]
      out[#out + 1] = v
      redis.call('HSET', KEYS[3], all[i], string.upper(v))
    end
  end
  return out
end

local raw = redis.call('HGET', KEYS[1], leaseId)
local lease = raw and cjson.decode(raw)
local leaseExpire = tonumber(redis.call('ZSCORE', KEYS[2], leaseId) or '0')
if not lease or not isLive(lease) or leaseExpire <= now then return {4} end
if redis.call('HEXISTS', KEYS[3], grantId) == 1 then return {5} end

redis.call('HSET', KEYS[3], grantId, mode)
-- Kept while the grant or the lease may still be settled or taken.
local keep = math.max(leaseExpire, tonumber(ARGV[11])) + TOMBSTONE_MS
local ttl = redis.call('PTTL', KEYS[3])
if ttl < 0 or now + ttl < keep then redis.call('PEXPIREAT', KEYS[3], istr(keep)) end

if mode == 'm' then
  local rec = heldRecord(lease.k, holdAt(5))
  moveHolds(rec, 1)
  redis.call('HSET', KEYS[1], grantId, cjson.encode(rec))
  redis.call('ZADD', KEYS[2], ARGV[11], grantId)
end
return {0}
