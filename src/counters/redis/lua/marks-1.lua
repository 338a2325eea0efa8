--[[
  Alert marks: exactly one alert per (budget, bucket, subject, threshold).

  KEYS[1] any key of the slot (routing only)
  ARGV: mode ('claim' | 'confirm' | 'seal'), token, firstOffset, lastOffset,
        n, (marksKey, field, expireAt) x n
  A mark is absent, 's' (sent), or 'c|<token>|<offset>' (claimed by the batch
  of source partition <token> that ended at <offset>).
  claim:   absent -> claimed, returned 1.
           claimed by this token: a batch starting beyond the claim's offset
           proves the claiming batch was handled (the processor only moves on
           after publishing), so the mark becomes 's' (0); a redelivery
           (firstOffset at or below it) reclaims it (1).
           claimed by another token or sent: 0.
           An empty token (events not from the log) claims straight to 's'.
  confirm / seal: -> 's'; 1 when it was not 's' before.
  Returns: {0|1 x n}
]]
--@include "util"

local mode, token, firstOffset, lastOffset = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local n = tonumber(ARGV[5])
local out = {}
for i = 0, n - 1 do
  local key, field, expireAt = ARGV[6 + 3 * i], ARGV[7 + 3 * i], ARGV[8 + 3 * i]
  local v = redis.call('HGET', key, field)
  local changed = 0
  if mode == 'claim' then
    if not v then
      if token == '' then
        redis.call('HSET', key, field, 's')
      else
        redis.call('HSET', key, field, 'c|' .. token .. '|' .. lastOffset)
      end
      changed = 1
    elseif v ~= 's' then
      local sep = string.find(v, '|[^|]*$')
      local owner = string.sub(v, 3, sep - 1)
      local claimedAt = string.sub(v, sep + 1)
      if owner == token then
        if firstOffset ~= '' and claimedAt ~= '' and dcmp(firstOffset, claimedAt) > 0 then
          redis.call('HSET', key, field, 's')
        else
          changed = 1
        end
      end
    end
  elseif v ~= 's' then
    redis.call('HSET', key, field, 's')
    changed = 1
  end
  if changed == 1 or not v then redis.call('PEXPIREAT', key, expireAt) end
  out[#out + 1] = changed
end
return out
