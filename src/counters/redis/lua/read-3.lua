--[[
  Reads counters and their reservation holds, after expiring due reservations.
  One call serves a whole quota check.

  KEYS[1] reservations hash, KEYS[2] rsv index, KEYS[3] awaiting hash — of the first slot
  ARGV: now, purgeLimit,
        nExtra, (reservations, index, awaiting) x nExtra   further slots (standalone Redis only),
        nFields, field x nFields, nKeys, key x nKeys
  Returns: {row x nKeys}, a row being the values of the fields (nil when absent)
]]
--@include "util"
--@include "reservations"

local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
purge(KEYS[1], KEYS[2], KEYS[3], now, limit)
local nExtra = tonumber(ARGV[3])
local p = 4
for _ = 1, nExtra do
  purge(ARGV[p], ARGV[p + 1], ARGV[p + 2], now, limit)
  p = p + 3
end
local fields
fields, p = argList(p)
local nKeys = tonumber(ARGV[p])
return readRows(p + 1, nKeys, fields)
