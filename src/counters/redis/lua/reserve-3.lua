--[[
  Reserves an estimate against every applicable hard budget, atomically:
  either every check has room and the estimate is held on every hold
  counter, or nothing is held at all.

  KEYS[1] reservations hash, KEYS[2] rsv index, KEYS[3] awaiting hash — of the first part's slot
  ARGV: now, id, expireAt, hc1, hc0, ht, hr, hp1, hp0, purgeLimit,
        nFields, field x nFields,
        nParts, per part:
          reservations, index, awaiting,
          regionMarker, slotMarker ('' = no epoch check),
          nChecks, per check: code ('c' | 'p' | 't' | 'r' | 't_<class>'), limitHi, limitLo, amountHi, amountLo, nKeys, key x nKeys
          nHolds, (key, expireAt) x nHolds,
          nRead, key x nRead
  A check passes when used + held (summed over its keys) + amount <= limit.
  Cost and price use (micro, femto) pairs; other metrics use hi and ignore lo. A token
  hold counts against every token metric.
  Returns: {0, 0, 0, row...}                  granted (rows read after holding)
           {3, partIndex, checkIndex, row...} refused, nothing held
           {9, partIndex...}                  those parts' slots are not live (counters lost): nothing held
]]
--@include "util"
--@include "reservations"

local now = tonumber(ARGV[1])
local id = ARGV[2]
local expireAt = ARGV[3]
local hold = holdAt(4)
local limit = tonumber(ARGV[10])
local fields, p = argList(11)

local parts = {}
local nParts = tonumber(ARGV[p])
p = p + 1
for i = 1, nParts do
  local part = {rsv = ARGV[p], idx = ARGV[p + 1], await = ARGV[p + 2], live = slotLive(ARGV[p + 3], ARGV[p + 4]),
                checks = {}, holds = {}, expiry = {}}
  p = p + 5
  local nChecks = tonumber(ARGV[p])
  p = p + 1
  for j = 1, nChecks do
    local check = {code = ARGV[p], limHi = tonumber(ARGV[p + 1]), limLo = tonumber(ARGV[p + 2]),
                   amtHi = tonumber(ARGV[p + 3]), amtLo = tonumber(ARGV[p + 4])}
    check.keys, p = argList(p + 5)
    part.checks[j] = check
  end
  local nHolds = tonumber(ARGV[p])
  p = p + 1
  for j = 1, nHolds do
    part.holds[j] = ARGV[p]
    part.expiry[j] = ARGV[p + 1]
    p = p + 2
  end
  part.readAt = p
  part.nRead = tonumber(ARGV[p])
  p = p + part.nRead + 1
  parts[i] = part
end

local function rowsOf(out)
  for _, part in ipairs(parts) do
    for _, row in ipairs(readRows(part.readAt + 1, part.nRead, fields)) do out[#out + 1] = row end
  end
  return out
end

local lost = {9}
for i, part in ipairs(parts) do
  if not part.live then lost[#lost + 1] = i - 1 end
end
if #lost > 1 then return lost end

for _, part in ipairs(parts) do purge(part.rsv, part.idx, part.await, now, limit) end

for i, part in ipairs(parts) do
  for j, check in ipairs(part.checks) do
    if not hasRoom(check) then return rowsOf({3, i - 1, j - 1}) end
  end
end

for _, part in ipairs(parts) do
  local rec = heldRecord(part.holds, hold)
  moveHolds(rec, 1)
  for j, k in ipairs(part.holds) do redis.call('PEXPIREAT', k, part.expiry[j]) end
  redis.call('HSET', part.rsv, id, cjson.encode(rec))
  redis.call('ZADD', part.idx, expireAt, id)
end
return rowsOf({0, 0, 0})
