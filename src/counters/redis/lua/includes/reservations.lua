-- Reservation records (inlined at every `--@include "reservations"`).
-- A slot keeps its reservations in one hash, id -> JSON:
--   {s = 'held' | 'await' | 'settled' | 'expired' | 'consumed',
--    k = {counter keys holding}, c1, c0, t, r, p1, p0 = held amounts (text; p1/p0 the billed
--    price, absent in records written before it existed: zero), w = awaited event}
-- and one sorted set, id -> instant (ms) the record must be looked at again:
-- the hold's expiry, or when a finished record's tombstone may go.
local TOMBSTONE_MS = 3600000

-- Adds (sign * amounts of rec) to the hold fields of every key rec holds on.
local function moveHolds(rec, sign)
  local c1, c0, t, r = num(rec.c1) * sign, num(rec.c0) * sign, num(rec.t) * sign, num(rec.r) * sign
  local p1, p0 = num(rec.p1) * sign, num(rec.p0) * sign
  for _, k in ipairs(rec.k or {}) do
    if sign > 0 or redis.call('EXISTS', k) == 1 then
      if c1 ~= 0 or c0 ~= 0 then addCost(k, 'hc1', 'hc0', c1, c0) end
      if t ~= 0 then redis.call('HINCRBY', k, 'ht', istr(t)) end
      if r ~= 0 then redis.call('HINCRBY', k, 'hr', istr(r)) end
      if p1 ~= 0 or p0 ~= 0 then addCost(k, 'hp1', 'hp0', p1, p0) end
    end
  end
end

-- A hold record of amounts read at ARGV[at .. at + 5]: c1, c0, t, r, p1, p0.
local function holdAt(at)
  return {c1 = ARGV[at], c0 = ARGV[at + 1], t = ARGV[at + 2], r = ARGV[at + 3], p1 = ARGV[at + 4], p0 = ARGV[at + 5]}
end

-- A new live record holding `amounts` on `keys`.
local function heldRecord(keys, amounts)
  return {s = 'held', k = keys, c1 = amounts.c1, c0 = amounts.c0, t = amounts.t, r = amounts.r, p1 = amounts.p1, p0 = amounts.p0}
end

-- The money pairs a check code reads: used (hi, lo) and held (hi, lo).
local MONEY = {c = {'c1', 'c0', 'hc1', 'hc0'}, p = {'p1', 'p0', 'hp1', 'hp0'}}

-- Whether a check (code, limHi, limLo, amtHi, amtLo, keys) has room: used + held + amount <= limit.
-- Money (c, p) compares (micro, femto) pairs; other metrics compare hi (a token hold counts against every token metric).
local function hasRoom(check)
  local hi, lo = check.amtHi, check.amtLo
  local money = MONEY[check.code]
  for _, k in ipairs(check.keys) do
    if money then
      local v = redis.call('HMGET', k, money[1], money[2], money[3], money[4])
      hi = hi + num(v[1]) + num(v[3])
      lo = lo + num(v[2]) + num(v[4])
    else
      local heldField = 'ht'
      if check.code == 'r' then heldField = 'hr' end
      local v = redis.call('HMGET', k, check.code, heldField)
      hi = hi + num(v[1]) + num(v[2])
    end
  end
  if money then
    local carry = math.floor(lo / BASE)
    hi = hi + carry
    lo = lo - carry * BASE
    return not (hi > check.limHi or (hi == check.limHi and lo > check.limLo))
  end
  return hi <= check.limHi
end

-- Releases a live reservation and leaves a tombstone with its final state.
local function finish(rsv, idx, await, id, rec, now, state)
  moveHolds(rec, -1)
  if rec.w then redis.call('HDEL', await, rec.w) end
  redis.call('HSET', rsv, id, cjson.encode({s = state}))
  redis.call('ZADD', idx, istr(now + TOMBSTONE_MS), id)
end

local function isLive(rec)
  return rec.s == 'held' or rec.s == 'await'
end

-- Expires due reservations (at most `limit`) and drops due tombstones.
local function purge(rsv, idx, await, now, limit)
  local ids = redis.call('ZRANGEBYSCORE', idx, '-inf', istr(now), 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    local raw = redis.call('HGET', rsv, id)
    local rec = raw and cjson.decode(raw)
    if rec and isLive(rec) then
      finish(rsv, idx, await, id, rec, now, 'expired')
    else
      redis.call('HDEL', rsv, id)
      redis.call('ZREM', idx, id)
    end
  end
end
