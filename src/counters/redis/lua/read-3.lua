--[[
  Reads counters and their reservation holds, after expiring due reservations.
  One call serves a whole quota check.

  KEYS[1] reservations hash, KEYS[2] rsv index, KEYS[3] awaiting hash — of the first slot
  ARGV: now, purgeLimit,
        nMarkers, (regionMarker, slotMarker) x nMarkers   one pair per slot (first, then further), or none: no epoch check,
        nExtra, (reservations, index, awaiting) x nExtra   further slots (standalone Redis only),
        nFields, field x nFields, nKeys, key x nKeys
  Returns: {row x nKeys}, a row being the values of the fields (nil when absent)
           {9, slotIndex...}   those slots (0 = first) are not live: their counters were lost
]]
--@include "util"
--@include "reservations"

local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local nMarkers = tonumber(ARGV[3])
local lost = {9}
for i = 0, nMarkers - 1 do
  if not slotLive(ARGV[4 + 2 * i], ARGV[5 + 2 * i]) then lost[#lost + 1] = i end
end
if #lost > 1 then return lost end
purge(KEYS[1], KEYS[2], KEYS[3], now, limit)
local p = 4 + 2 * nMarkers
local nExtra = tonumber(ARGV[p])
p = p + 1
for _ = 1, nExtra do
  purge(ARGV[p], ARGV[p + 1], ARGV[p + 2], now, limit)
  p = p + 3
end
local fields
fields, p = argList(p)
local nKeys = tonumber(ARGV[p])
return readRows(p + 1, nKeys, fields)
