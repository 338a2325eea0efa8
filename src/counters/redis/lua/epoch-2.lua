--[[
  A region's epoch marker and the lock of whoever rebuilds a lost region
  (src/counters/epoch.ts): a region is one Redis Cluster hash slot, or the
  whole of a standalone Redis.

  KEYS[1] region marker (string), KEYS[2] region lock (string, with TTL)
  ARGV: mode ('probe' | 'claim' | 'mark' | 'release'), token, value, ttlMs
  probe:   {0, 1} the marker exists, {0, 0} it does not (the region was lost, or never initialised)
  claim:   {10} the marker exists (nothing to rebuild); {8} another token holds the lock;
           {0} the lock is now this token's for ttlMs
  mark:    sets the marker to value and drops this token's lock: {0}; {8} another token holds the lock
  release: drops the lock if this token holds it: {0}
]]

local mode, token, value, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local holder = redis.call('GET', KEYS[2])
if mode == 'probe' then
  return {0, redis.call('EXISTS', KEYS[1])}
elseif mode == 'claim' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return {10} end
  if holder and holder ~= token then return {8} end
  redis.call('SET', KEYS[2], token, 'PX', ttl)
  return {0}
elseif mode == 'mark' then
  if holder and holder ~= token then return {8} end
  redis.call('SET', KEYS[1], value)
  if holder then redis.call('DEL', KEYS[2]) end
  return {0}
elseif mode == 'release' then
  if holder == token then redis.call('DEL', KEYS[2]) end
  return {0}
end
return redis.error_reply('epoch: unknown mode ' .. tostring(mode))
