--[[
  Second step of a reconcile: replace counters with values computed from the
  analytics store — only if the fence is exactly what the computation was cut
  at (compare-and-swap). Hold fields (reservations) are left alone.

  KEYS[1] fence hash, KEYS[2] lock
  ARGV: lockToken ('' = none),
        regionMarker, slotMarker ('' = no epoch handling),
        markValue ('' = leave the slot marker alone; else write it: the slot is complete, see epoch.ts),
        onlyIfLost ('1': write nothing when the slot is live already — another process rebuilt it),
        nExpected, (field, offset) x nExpected,
        nEstablish, (field, offset) x nEstablish    partitions absent at the snapshot, now covered,
        nFields, field x nFields                    the used fields, in the order of the values,
        nCounters, per counter: key, expireAt, value x nFields
  A zero value deletes its field (a hash left empty disappears).
  Returns: {0} swapped   {7} the fence moved: compute again   {10} live already (onlyIfLost): nothing written
]]
--@include "util"

local token = ARGV[1]
local regionMarker, slotMarker, markValue, onlyIfLost = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local function unlock()
  if token ~= '' and redis.call('GET', KEYS[2]) == token then redis.call('DEL', KEYS[2]) end
end
if onlyIfLost == '1' and slotLive(regionMarker, slotMarker) then
  unlock()
  return {10}
end
local nExpected = tonumber(ARGV[6])
local expected = {}
local p = 7
for _ = 1, nExpected do
  expected[ARGV[p]] = ARGV[p + 1]
  p = p + 2
end
local current = redis.call('HGETALL', KEYS[1])
if #current ~= 2 * nExpected then return {7} end
for i = 1, #current, 2 do
  if expected[current[i]] ~= current[i + 1] then return {7} end
end

local nEstablish = tonumber(ARGV[p])
p = p + 1
for _ = 1, nEstablish do
  redis.call('HSET', KEYS[1], ARGV[p], ARGV[p + 1])
  p = p + 2
end

local fields
fields, p = argList(p)
local nCounters = tonumber(ARGV[p])
p = p + 1
for _ = 1, nCounters do
  local key, expireAt = ARGV[p], ARGV[p + 1]
  p = p + 2
  for _, f in ipairs(fields) do
    local v = ARGV[p]
    p = p + 1
    if v == '0' then
      redis.call('HDEL', key, f)
    else
      redis.call('HSET', key, f, v)
    end
  end
  if redis.call('EXISTS', key) == 1 then redis.call('PEXPIREAT', key, expireAt) end
end

if markValue ~= '' then redis.call('SET', slotMarker, markValue) end
unlock()
return {0}
