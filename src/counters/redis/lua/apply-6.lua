--[[
  Applies one batch of usage events to the counters of ONE slot, exactly once.

  KEYS[1] fence        hash: source partition -> highest applied offset
  KEYS[2] version      string: newest budget-set version that applied here
  KEYS[3] lock         string: present while a reconcile swaps this slot
  KEYS[4] reservations hash: id -> reservation record (JSON)
  KEYS[5] rsv index    sorted set: id -> next look (ms)
  KEYS[6] awaiting     hash: event id -> reservation awaiting it

  ARGV (positional; counts precede their lists):
    now, version, fenceField ('' = event not from the log),
    regionMarker, slotMarker ('' = no epoch check; see src/counters/epoch.ts),
    nDedup, dedupKey x nDedup (current set first), dedupExpireAt,
    nCounters, (counterKey, expireAt) x nCounters,
    nEvents, per event: offset ('' = none), member, c1, c0, t, r, p1, p0 (billed price),
                        nClass, (field, value) x nClass, nIdx, counterIndex x nIdx  (1-based),
    nRead, readKey x nRead, nFields, field x nFields
  Keys in ARGV are built by CounterKeys and carry the same hash tag as KEYS.

  An event is skipped when its offset is at or below the fence (redelivery)
  or its member is in a dedup set (re-sent id); otherwise its amounts are
  added to its counters, its id remembered, and a reservation awaiting it is
  released — all in this one atomic call. The fence moves to the highest
  offset seen.

  Returns: {0, applied, fenced, duplicates, released, row x nRead}
           {1, requiredVersion}   the slot was planned with a newer budget set
           {2}                    a reconcile holds the slot's lock
           {9}                    the slot is not live (its counters were lost): rebuild it first
]]
--@include "util"
--@include "reservations"

local now = tonumber(ARGV[1])
local version = ARGV[2]
local fenceField = ARGV[3]

if not slotLive(ARGV[4], ARGV[5]) then return {9} end
if redis.call('EXISTS', KEYS[3]) == 1 then return {2} end
local current = redis.call('GET', KEYS[2])
if current and dcmp(current, version) > 0 then return {1, current} end
if not current or dcmp(version, current) > 0 then redis.call('SET', KEYS[2], version) end

local dedupKeys, p = argList(6)
local dedupExpireAt = ARGV[p]
p = p + 1

local nCounters = tonumber(ARGV[p])
p = p + 1
local counterKeys, counterExpiry = {}, {}
for i = 1, nCounters do
  counterKeys[i] = ARGV[p]
  counterExpiry[i] = ARGV[p + 1]
  p = p + 2
end

local fence = false
if fenceField ~= '' then fence = redis.call('HGET', KEYS[1], fenceField) end
local highest = fence

local sums = {}
local applied, fenced, duplicates, released = 0, 0, 0, 0
local nEvents = tonumber(ARGV[p])
p = p + 1
for _ = 1, nEvents do
  local offset, member = ARGV[p], ARGV[p + 1]
  local c1, c0, t, r = tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3]), tonumber(ARGV[p + 4]), tonumber(ARGV[p + 5])
  local p1, p0 = tonumber(ARGV[p + 6]), tonumber(ARGV[p + 7])
  local nClass = tonumber(ARGV[p + 8])
  local classAt = p + 9
  p = classAt + 2 * nClass
  local nIdx = tonumber(ARGV[p])
  local idxAt = p + 1
  p = idxAt + nIdx

  local skip = false
  if fenceField ~= '' and offset ~= '' then
    if fence and dcmp(offset, fence) <= 0 then
      fenced = fenced + 1
      skip = true
    elseif not highest or dcmp(offset, highest) > 0 then
      highest = offset
    end
  end
  if not skip then
    for _, dk in ipairs(dedupKeys) do
      if redis.call('SISMEMBER', dk, member) == 1 then
        duplicates = duplicates + 1
        skip = true
        break
      end
    end
  end
  if not skip then
    applied = applied + 1
    if dedupKeys[1] then redis.call('SADD', dedupKeys[1], member) end
    for j = 0, nIdx - 1 do
      local i = tonumber(ARGV[idxAt + j])
      local s = sums[i]
      if not s then
        s = {c1 = 0, c0 = 0, t = 0, r = 0, p1 = 0, p0 = 0, cls = {}}
        sums[i] = s
      end
      s.c1, s.c0, s.t, s.r = s.c1 + c1, s.c0 + c0, s.t + t, s.r + r
      s.p1, s.p0 = s.p1 + p1, s.p0 + p0
      for k = 0, nClass - 1 do
        local f = ARGV[classAt + 2 * k]
        s.cls[f] = (s.cls[f] or 0) + tonumber(ARGV[classAt + 2 * k + 1])
      end
    end
    local rid = redis.call('HGET', KEYS[6], member)
    if rid then
      local raw = redis.call('HGET', KEYS[4], rid)
      local rec = raw and cjson.decode(raw)
      if rec and isLive(rec) then
        finish(KEYS[4], KEYS[5], KEYS[6], rid, rec, now, 'consumed')
        released = released + 1
      else
        redis.call('HDEL', KEYS[6], member)
      end
    end
  end
end

if applied > 0 and dedupKeys[1] then redis.call('PEXPIREAT', dedupKeys[1], dedupExpireAt) end
if fenceField ~= '' and highest and highest ~= fence then redis.call('HSET', KEYS[1], fenceField, highest) end

for i, s in pairs(sums) do
  local key = counterKeys[i]
  if s.c1 ~= 0 or s.c0 ~= 0 then addCost(key, 'c1', 'c0', s.c1, s.c0) end
  if s.p1 ~= 0 or s.p0 ~= 0 then addCost(key, 'p1', 'p0', s.p1, s.p0) end
  if s.t ~= 0 then redis.call('HINCRBY', key, 't', istr(s.t)) end
  if s.r ~= 0 then redis.call('HINCRBY', key, 'r', istr(s.r)) end
  for f, v in pairs(s.cls) do
    if v ~= 0 then redis.call('HINCRBY', key, f, istr(v)) end
  end
  redis.call('PEXPIREAT', key, counterExpiry[i])
end

local readKeysAt = p
local nRead = tonumber(ARGV[readKeysAt])
local fields = argList(readKeysAt + nRead + 1)
local out = {0, applied, fenced, duplicates, released}
for _, row in ipairs(readRows(readKeysAt + 1, nRead, fields)) do out[#out + 1] = row end
return out
