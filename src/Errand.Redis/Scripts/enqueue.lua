-- Enqueues a batch of jobs, each as SAQ does it: written only when its id is not incomplete and no abort marker
-- exists for its key. A batch is the enqueues that came while the previous call was on its way; they are handled in
-- their order, as if sent one by one (a key that comes twice is written once, the second sees the first).
-- KEYS[1] incomplete zset, KEYS[2] queued list, then for job i: KEYS[1 + 2i] its id, KEYS[2 + 2i] its abort marker
-- ARGV[2i - 1] job i's document, ARGV[2i] its scheduled time (epoch seconds, an integer; '0' = now)
-- Returns one entry per job: 1 when written (and 'queued' published on its channel), else the stored document
-- (false when there is none: the key is held only by its abort marker).
local out = {}
local written = {}
local scores = {}
local ready = {}
for i = 1, (#KEYS - 2) / 2 do
    local id = KEYS[1 + 2 * i]
    if written[id] then
        out[i] = written[id]
    elseif not redis.call('ZSCORE', KEYS[1], id) and redis.call('EXISTS', KEYS[2 + 2 * i]) == 0 then
        local document, scheduled = ARGV[2 * i - 1], ARGV[2 * i]
        redis.call('SET', id, document)
        scores[#scores + 1] = scheduled
        scores[#scores + 1] = id
        if scheduled == '0' then
            ready[#ready + 1] = id
        end
        redis.call('PUBLISH', id, 'queued')
        written[id] = document
        out[i] = 1
    else
        out[i] = redis.call('GET', id)
    end
end
-- In chunks, so that unpack stays within Lua's stack limit.
for first = 1, #scores, 1000 do
    redis.call('ZADD', KEYS[1], unpack(scores, first, math.min(first + 999, #scores)))
end
for first = 1, #ready, 500 do
    redis.call('RPUSH', KEYS[2], unpack(ready, first, math.min(first + 499, #ready)))
end
return out
