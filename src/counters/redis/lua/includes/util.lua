-- Shared helpers (inlined by src/counters/scripts.ts at every `--@include "util"`).
-- Money: a cost is two integer hash fields, micro-USD (hi) and femto remainder
-- (lo, 0 <= lo < 1e9). Every Lua number here stays below 2^53, and numbers go
-- back to Redis as '%.0f' text (Lua's own formatting keeps only 14 digits).
local BASE = 1000000000

local function istr(n)
  return string.format('%.0f', n)
end

local function num(v)
  if not v then return 0 end
  return tonumber(v) or 0
end

-- Compares two non-negative decimal integers given as text: 1, 0 or -1.
local function dcmp(a, b)
  if #a ~= #b then
    if #a > #b then return 1 end
    return -1
  end
  if a == b then return 0 end
  if a > b then return 1 end
  return -1
end

-- Adds (hi, lo) to the cost pair (fhi, flo) of hash `key`, keeping flo in [0, BASE).
local function addCost(key, fhi, flo, hi, lo)
  local newLo
  if lo ~= 0 then
    newLo = redis.call('HINCRBY', key, flo, istr(lo))
  else
    newLo = num(redis.call('HGET', key, flo))
  end
  local carry = math.floor(newLo / BASE)
  if carry ~= 0 then
    redis.call('HINCRBY', key, flo, istr(-carry * BASE))
  end
  local dhi = hi + carry
  if dhi ~= 0 then
    redis.call('HINCRBY', key, fhi, istr(dhi))
  end
end

-- Reads `fields` of every key in ARGV[from .. from + n - 1]: a list of rows.
local function readRows(from, n, fields)
  local rows = {}
  for i = 0, n - 1 do
    rows[#rows + 1] = redis.call('HMGET', ARGV[from + i], unpack(fields))
  end
  return rows
end

-- Reads a count followed by that many ARGV values, from position p: list, next position.
local function argList(p)
  local n = tonumber(ARGV[p])
  local out = {}
  for i = 1, n do out[i] = ARGV[p + i] end
  return out, p + n + 1
end

-- Whether a slot's counters can be trusted: its region's epoch marker or its own
-- slot marker exists (src/counters/epoch.ts). An empty region key means "no check".
local function slotLive(regionMarker, slotMarker)
  if regionMarker == '' then return true end
  return redis.call('EXISTS', regionMarker) == 1 or redis.call('EXISTS', slotMarker) == 1
end
