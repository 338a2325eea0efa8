--[[
  Settles one slot's part of a reservation. Idempotent.

  KEYS[1] reservations hash, KEYS[2] rsv index, KEYS[3] awaiting hash
  ARGV: now, id, member ('' = no event named), awaitExpireAt,
        hasActual (0 | 1), c1, c0, t, r, p1, p0,
        nDedup, dedupKey x nDedup
  Without an event: the hold is released now. With an event already counted
  (its member is in a dedup set): released now. Otherwise the hold stays —
  resized to the actual usage when given — until apply counts that event
  (which releases it in the same call) or awaitExpireAt passes.
  Returns: {0} released   {6} awaiting   {5, state} already finished   {4} no such reservation
]]
--@include "util"
--@include "reservations"

local now = tonumber(ARGV[1])
local id = ARGV[2]
local member = ARGV[3]
local awaitExpireAt = ARGV[4]

local raw = redis.call('HGET', KEYS[1], id)
if not raw then return {4} end
local rec = cjson.decode(raw)
if not isLive(rec) then return {5, rec.s} end
if tonumber(redis.call('ZSCORE', KEYS[2], id) or '0') <= now then
  finish(KEYS[1], KEYS[2], KEYS[3], id, rec, now, 'expired')
  return {5, 'expired'}
end
if member == '' then
  finish(KEYS[1], KEYS[2], KEYS[3], id, rec, now, 'settled')
  return {0}
end
local dedupKeys = argList(12)
for _, dk in ipairs(dedupKeys) do
  if redis.call('SISMEMBER', dk, member) == 1 then
    finish(KEYS[1], KEYS[2], KEYS[3], id, rec, now, 'settled')
    return {0}
  end
end
if ARGV[5] == '1' then
  moveHolds(rec, -1)
  rec.c1, rec.c0, rec.t, rec.r, rec.p1, rec.p0 = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
  moveHolds(rec, 1)
end
if rec.w and rec.w ~= member then redis.call('HDEL', KEYS[3], rec.w) end
rec.s = 'await'
rec.w = member
redis.call('HSET', KEYS[1], id, cjson.encode(rec))
redis.call('HSET', KEYS[3], member, id)
redis.call('ZADD', KEYS[2], awaitExpireAt, id)
return {6}
