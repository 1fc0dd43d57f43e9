/**
 * The segmented sliding window of `@scopegate/core` (see its
 * `slidingWindowConsume`) as one Lua script, so a consume is a single atomic
 * step on the Redis server whichever API instance sends it.
 *
 * State: one hash per client key. Field `<bucket index>` holds that bucket's
 * count; field `last` holds the latest bucket index seen, so a clock that
 * steps back (e.g. after a failover) holds the latest bucket exactly like the
 * reference does. Buckets older than the 13 counted ones are deleted on the
 * next consume, and the key expires W + s after its last write, so an idle
 * client leaves nothing behind.
 *
 * Time comes from the server's `TIME`, so instances with skewed clocks agree.
 * The arithmetic is the reference's, in the same IEEE-754 double operations
 * (Lua 5.1 numbers are doubles), so both give the same answers bit for bit.
 */
import { createHash } from 'node:crypto';

/**
 * KEYS[1]: the client's hash. ARGV[1]: limit; ARGV[2]: window in ms (W * 1000).
 * ARGV[3] (optional, tests only): fixed time in epoch ms instead of `TIME`.
 * Returns `{allowed (0|1), remaining, resetSeconds}`.
 */
export const SLIDING_WINDOW_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local nowMs
if ARGV[3] then
  nowMs = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local SEGMENTS = 12
local BUCKETS = SEGMENTS + 1
local s = windowMs / SEGMENTS
local idx = math.floor(nowMs / s)

local raw = redis.call('HGETALL', key)
local last = nil
local fields = {}
for i = 1, #raw, 2 do
  if raw[i] == 'last' then
    last = tonumber(raw[i + 1])
  else
    fields[#fields + 1] = { raw[i], tonumber(raw[i + 1]) }
  end
end
-- a clock that steps back holds the latest bucket seen
if last and idx < last then idx = last end
local oldest = idx - SEGMENTS

local counts = {}
local stale = {}
local total = 0
for _, f in ipairs(fields) do
  local b = tonumber(f[1])
  if b and f[2] and b >= oldest and b <= idx then
    counts[b] = f[2]
    total = total + f[2]
  else
    stale[#stale + 1] = f[1]
  end
end
if #stale > 0 then redis.call('HDEL', key, unpack(stale)) end

local field = string.format('%.0f', idx)
local ttl = math.ceil(windowMs + s)

if total < limit then
  counts[idx] = (counts[idx] or 0) + 1
  redis.call('HINCRBY', key, field, 1)
  if last ~= idx then redis.call('HSET', key, 'last', field) end
  redis.call('PEXPIRE', key, ttl)
  local jOldest = idx
  for j = oldest, idx do
    if (counts[j] or 0) > 0 then
      jOldest = j
      break
    end
  end
  return { 1, limit - total - 1, math.max(1, math.ceil(((jOldest + BUCKETS) * s - nowMs) / 1000)) }
end

-- rejected: nothing counted; only remember the newest bucket (as the reference does)
if last ~= idx then
  redis.call('HSET', key, 'last', field)
  redis.call('PEXPIRE', key, ttl)
end
-- no j qualifies only under limit 0: a whole window
local reset = math.ceil(windowMs / 1000)
local left = total
for j = oldest, idx do
  left = left - (counts[j] or 0)
  if left < limit then
    reset = math.max(1, math.ceil(((j + BUCKETS) * s - nowMs) / 1000))
    break
  end
end
return { 0, 0, reset }
`;

/** SHA-1 of {@link SLIDING_WINDOW_SCRIPT}, the name `EVALSHA` knows it by. */
export const SLIDING_WINDOW_SCRIPT_SHA1 = createHash('sha1').update(SLIDING_WINDOW_SCRIPT).digest('hex');
