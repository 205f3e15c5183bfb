-- Moves due scheduled jobs to queued, under the schedule lock (SAQ's schedule script, with SET NX PX).
-- KEYS[1] schedule lock, KEYS[2] incomplete zset, KEYS[3] queued list
-- ARGV[1] lock duration in ms, ARGV[2] now in epoch seconds
-- Returns the ids moved; empty when another process holds the lock.
if not redis.call('SET', KEYS[1], 1, 'NX', 'PX', ARGV[1]) then
    return {}
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], 1, ARGV[2])
-- In chunks, so that unpack stays within Lua's stack limit.
for first = 1, #ids, 500 do
    local last = math.min(first + 499, #ids)
    local scores = {}
    for i = first, last do
        scores[#scores + 1] = 0
        scores[#scores + 1] = ids[i]
    end
    redis.call('ZADD', KEYS[2], unpack(scores))
    redis.call('RPUSH', KEYS[3], unpack(ids, first, last))
end
return ids
