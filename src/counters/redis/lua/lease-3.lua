--[[
  Takes, renews or resizes a budget lease (src/budgets/leases.ts): a
  reservation that a process answers checks and reservations from in memory.
  Atomically, per call: the lease's previous hold (the record `id`, if live)
  is released, then the new size is checked like a reservation and held on
  every hold counter until `expireAt`. When a check has no room, the lease
  keeps `floor` instead (held without a check: what the process has already
  granted from the lease, so grants never lose their hold while it renews).

  KEYS[1] reservations hash, KEYS[2] rsv index, KEYS[3] awaiting hash — of the first part's slot
  ARGV: the layout of reserve-3.lua (now, id, expireAt, hc1, hc0, ht, hr, hp1, hp0 = the new size,
        purgeLimit, fields, parts with checks whose amounts say how much room the
        lease needs: a few times its size), followed by
        fc1, fc0, ft, fr, fp1, fp0 = floor
  Returns: {0, 0, 0, row...}                  granted: the lease holds the new size (rows read after holding)
           {3, partIndex, checkIndex, row...} refused: the lease holds `floor`
           {9, partIndex...}                  those parts' slots are not live (counters lost): nothing changed
]]
--@include "util"
--@include "reservations"

local now = tonumber(ARGV[1])
local id = ARGV[2]
local expireAt = ARGV[3]
local size = holdAt(4)
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
local floor = holdAt(p)

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

-- The previous hold is the lease's own room: release it before checking.
for _, part in ipairs(parts) do
  local raw = redis.call('HGET', part.rsv, id)
  local old = raw and cjson.decode(raw)
  if old and isLive(old) then moveHolds(old, -1) end
end

local refused = nil
for i, part in ipairs(parts) do
  for j, check in ipairs(part.checks) do
    if not hasRoom(check) then
      refused = {3, i - 1, j - 1}
      break
    end
  end
  if refused then break end
end

local amounts = size
if refused then amounts = floor end
for _, part in ipairs(parts) do
  local rec = heldRecord(part.holds, amounts)
  moveHolds(rec, 1)
  for j, k in ipairs(part.holds) do redis.call('PEXPIREAT', k, part.expiry[j]) end
  redis.call('HSET', part.rsv, id, cjson.encode(rec))
  redis.call('ZADD', part.idx, expireAt, id)
end
return rowsOf(refused or {0, 0, 0})
