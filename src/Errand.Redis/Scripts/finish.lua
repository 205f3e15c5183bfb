-- Finishes a batch of jobs (complete, failed or aborted): for each, what SAQ's finish transaction does for one.
-- KEYS[1] active list, KEYS[2] incomplete zset, KEYS[2 + i] id of job i
-- ARGV[3i - 2] its ttl in seconds (> 0 SETEX, 0 SET, < 0 DEL), ARGV[3i - 1] its status word, ARGV[3i] its document
-- Returns how many jobs it finished.
for i = 3, #KEYS do
    local id = KEYS[i]
    local j = (i - 3) * 3
    local ttl = tonumber(ARGV[j + 1])
    redis.call('LREM', KEYS[1], 0, id)
    redis.call('ZREM', KEYS[2], id)
    if ttl > 0 then
        redis.call('SETEX', id, ttl, ARGV[j + 3])
    elseif ttl == 0 then
        redis.call('SET', id, ARGV[j + 3])
    else
        redis.call('DEL', id)
    end
    redis.call('PUBLISH', id, ARGV[j + 2])
end
return #KEYS - 2
