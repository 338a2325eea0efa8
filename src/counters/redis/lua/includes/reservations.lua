-- Reservation records (inlined at every `--@include "reservations"`).
-- A slot keeps its reservations in one hash, id -> JSON:
--   {s = 'held' | 'await' | 'settled' | 'expired' | 'consumed',
--    k = {counter keys holding}, c1, c0, t, r = held amounts (text), w = awaited event}
-- and one sorted set, id -> instant (ms) the record must be looked at again:
-- the hold's expiry, or when a finished record's tombstone may go.
local TOMBSTONE_MS = 3600000

-- Adds (sign * amounts of rec) to the hold fields of every key rec holds on.
local function moveHolds(rec, sign)
  local c1, c0, t, r = num(rec.c1) * sign, num(rec.c0) * sign, num(rec.t) * sign, num(rec.r) * sign
  for _, k in ipairs(rec.k or {}) do
    if sign > 0 or redis.call('EXISTS', k) == 1 then
      if c1 ~= 0 or c0 ~= 0 then addCost(k, 'hc1', 'hc0', c1, c0) end
      if t ~= 0 then redis.call('HINCRBY', k, 'ht', istr(t)) end
      if r ~= 0 then redis.call('HINCRBY', k, 'hr', istr(r)) end
    end
  end
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
