--[[
  First step of a reconcile of one slot: raise the version gate (so applies
  planned with an older budget set are refused from now on), optionally take
  the reconcile lock, and read the fence the store computation will be cut at.

  KEYS[1] fence hash, KEYS[2] version gate, KEYS[3] lock
  ARGV: minVersion, lockToken ('' = no lock), lockTtlMs
  Returns: {0, version, field, offset, field, offset, ...}
           {8}   another reconcile holds the lock
]]
--@include "util"

local minVersion, token, ttl = ARGV[1], ARGV[2], ARGV[3]
if token ~= '' then
  local holder = redis.call('GET', KEYS[3])
  if holder and holder ~= token then return {8} end
  redis.call('SET', KEYS[3], token, 'PX', ttl)
end
local version = redis.call('GET', KEYS[2])
if not version or dcmp(minVersion, version) > 0 then
  redis.call('SET', KEYS[2], minVersion)
  version = minVersion
end
local out = {0, version}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do out[#out + 1] = v end
return out
