--[[
  Takes, renews or resizes a budget lease (src/budgets/leases.ts): a
  reservation that a process answers checks and reservations from in memory.
  Atomically, per call: the lease's previous hold (the record `id`, if live)
  is released, then the new size is checked like a reservation and held on
  every hold counter until `expireAt`. When a check has no room, the lease
  keeps `floor` instead (held without a check: what the process has already
  granted from the lease, so grants never lose their hold while it renews).

  KEYS[1] reservations hash, KEYS[2] rsv index, KEYS[3] awaiting hash — of the first part's slot
  ARGV: the layout of reserve-3.lua (now, id, expireAt, hc1, hc0, ht, hr = the new size,
        purgeLimit, fields, parts with checks whose amounts say how much room the
        lease needs: a few times its size), followed by
        fc1, fc0, ft, fr = floor
  Returns: {0, 0, 0, row...}                  granted: the lease holds the new size (rows read after holding)
           {3, partIndex, checkIndex, row...} refused: the lease holds `floor`
           {9, partIndex...}                  those parts' slots are not live (counters lost): nothing changed
]]
--@include "util"
--@include "reservations"

local now = tonumber(ARGV[1])
local id = ARGV[2]
local expireAt = ARGV[3]
local size = {c1 = ARGV[4], c0 = ARGV[5], t = ARGV[6], r = ARGV[7]}
local limit = tonumber(ARGV[8])
local fields, p = argList(9)

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
local floor = {c1 = ARGV[p], c0 = ARGV[p + 1], t = ARGV[p + 2], r = ARGV[p + 3]}

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
    local hi, lo = check.amtHi, check.amtLo
    for _, k in ipairs(check.keys) do
      if check.code == 'c' then
        local v = redis.call('HMGET', k, 'c1', 'c0', 'hc1', 'hc0')
        hi = hi + num(v[1]) + num(v[3])
        lo = lo + num(v[2]) + num(v[4])
      else
        local heldField = 'ht'
        if check.code == 'r' then heldField = 'hr' end
        local v = redis.call('HMGET', k, check.code, heldField)
        hi = hi + num(v[1]) + num(v[2])
      end
    end
    if check.code == 'c' then
      local carry = math.floor(lo / BASE)
      hi = hi + carry
      lo = lo - carry * BASE
    else
      lo = 0
    end
    if hi > check.limHi or (hi == check.limHi and check.code == 'c' and lo > check.limLo) then
      refused = {3, i - 1, j - 1}
      break
    end
  end
  if refused then break end
end

local amounts = size
if refused then amounts = floor end
for _, part in ipairs(parts) do
  local rec = {s = 'held', k = part.holds, c1 = amounts.c1, c0 = amounts.c0, t = amounts.t, r = amounts.r}
  moveHolds(rec, 1)
  for j, k in ipairs(part.holds) do redis.call('PEXPIREAT', k, part.expiry[j]) end
  redis.call('HSET', part.rsv, id, cjson.encode(rec))
  redis.call('ZADD', part.idx, expireAt, id)
end
return rowsOf(refused or {0, 0, 0})
