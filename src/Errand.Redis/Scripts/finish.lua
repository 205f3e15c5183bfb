-- Finishes a batch of jobs (complete, failed or aborted): for each, what SAQ's finish transaction does for one,
-- plus Errand's own keys (the finished-job index and the per-minute history).
-- KEYS[1] active list, KEYS[2] incomplete zset, KEYS[3..5] errand finished index of complete, failed, aborted
-- KEYS[4 + 2i] id of job i, KEYS[5 + 2i] its errand history hash (its minute)
-- ARGV[1] history key ttl in seconds
-- ARGV[4i - 2] job i's ttl in seconds (> 0 SETEX, 0 SET, < 0 DEL), ARGV[4i - 1] its status word,
-- ARGV[4i] its document, ARGV[4i + 1] its completed time (epoch ms)
-- Returns how many jobs it finished.
local index = { complete = KEYS[3], failed = KEYS[4], aborted = KEYS[5] }
local n = (#KEYS - 5) / 2
-- History counts are added up over the batch: one HINCRBY per minute and status, one EXPIRE per minute.
local counts = {}
for i = 1, n do
    local id = KEYS[4 + 2 * i]
    local history = KEYS[5 + 2 * i]
    local j = 4 * i - 2
    local ttl = tonumber(ARGV[j])
    local status = ARGV[j + 1]
    redis.call('LREM', KEYS[1], 0, id)
    redis.call('ZREM', KEYS[2], id)
    for word, set in pairs(index) do
        if word == status and ttl >= 0 then
            redis.call('ZADD', set, ARGV[j + 3], id)
        else
            redis.call('ZREM', set, id)
        end
    end
    counts[history] = counts[history] or {}
    counts[history][status] = (counts[history][status] or 0) + 1
    if ttl > 0 then
        redis.call('SETEX', id, ttl, ARGV[j + 2])
    elseif ttl == 0 then
        redis.call('SET', id, ARGV[j + 2])
    else
        redis.call('DEL', id)
    end
    redis.call('PUBLISH', id, status)
end
for history, byStatus in pairs(counts) do
    for status, count in pairs(byStatus) do
        redis.call('HINCRBY', history, status, count)
    end
    redis.call('EXPIRE', history, ARGV[1])
end
return n
