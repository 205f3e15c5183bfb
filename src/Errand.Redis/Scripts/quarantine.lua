-- Takes a job whose document is missing or unreadable out of the queue, keeping the raw document aside.
-- KEYS[1] active list, KEYS[2] incomplete zset, KEYS[3] errand corrupt hash (id -> raw document), KEYS[4] job id
-- ARGV[1] the document as the caller saw it ('' when missing): nothing is done when it has changed since.
-- Returns 1 when done, 0 when the document changed.
local raw = redis.call('GET', KEYS[4])
if (raw or '') ~= ARGV[1] then
    return 0
end
redis.call('LREM', KEYS[1], 0, KEYS[4])
redis.call('ZREM', KEYS[2], KEYS[4])
if raw then
    redis.call('HSET', KEYS[3], KEYS[4], raw)
    redis.call('DEL', KEYS[4])
end
return 1
