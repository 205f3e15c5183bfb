-- Enqueue, as SAQ does it: write only when the id is not incomplete and no abort marker exists for the key.
-- KEYS[1] incomplete zset, KEYS[2] job id, KEYS[3] queued list, KEYS[4] abort marker
-- ARGV[1] the job document, ARGV[2] scheduled (epoch seconds, an integer; '0' = now)
-- Returns 1 when written (and publishes 'queued' on the job's channel), else the stored document (nil when none).
if not redis.call('ZSCORE', KEYS[1], KEYS[2]) and redis.call('EXISTS', KEYS[4]) == 0 then
    redis.call('SET', KEYS[2], ARGV[1])
    redis.call('ZADD', KEYS[1], ARGV[2], KEYS[2])
    if ARGV[2] == '0' then
        redis.call('RPUSH', KEYS[3], KEYS[2])
    end
    redis.call('PUBLISH', KEYS[2], 'queued')
    return 1
end
return redis.call('GET', KEYS[2])
