-- Enqueues a batch of jobs, each as SAQ does it: written only when its id is not incomplete and no abort marker
-- exists for its key. A batch is the enqueues that came while the previous call was on its way; they are handled in
-- their order, as if sent one by one (a key that comes twice is written once, the second sees the first).
-- KEYS[1] incomplete zset, KEYS[2] queued list, then for job i: KEYS[1 + 2i] its id, KEYS[2 + 2i] its abort marker
-- ARGV[2i - 1] job i's document, ARGV[2i] its scheduled time (epoch seconds, an integer; '0' = now)
-- Returns one entry per job: 1 when written (and 'queued' published on its channel), else the stored document
-- (false when there is none: the key is held only by its abort marker).
--
-- The checks and writes go one command for the whole batch (ZMSCORE, MGET, MSET), not one per job: a command called
-- from Lua costs Redis more than the work of one more key in it. Only PUBLISH is per job (one channel per job).
-- Kept cheap per job: redis.call held in a local, arrays filled by index or counter (#t is a search in Lua 5.1).
local call = redis.call
local n = (#KEYS - 2) / 2
local out = {}
local written = {}
local writes = {}
local scores = {}
local ready = {}
local nw, nr = 0, 0
-- In chunks, so that unpack stays within Lua's stack limit (a batch holds at most 500 jobs; this keeps it safe).
for first = 1, n, 250 do
    local last = math.min(first + 249, n)
    local ids, markers = {}, {}
    for i = first, last do
        ids[i - first + 1] = KEYS[1 + 2 * i]
        markers[i - first + 1] = KEYS[2 + 2 * i]
    end
    local incomplete = call('ZMSCORE', KEYS[1], unpack(ids))
    local aborted = call('MGET', unpack(markers))
    for i = first, last do
        local id = KEYS[1 + 2 * i]
        if written[id] then
            out[i] = written[id]
        elseif not incomplete[i - first + 1] and not aborted[i - first + 1] then
            local document, scheduled = ARGV[2 * i - 1], ARGV[2 * i]
            nw = nw + 2
            writes[nw - 1] = id
            writes[nw] = document
            scores[nw - 1] = scheduled
            scores[nw] = id
            if scheduled == '0' then
                nr = nr + 1
                ready[nr] = id
            end
            written[id] = document
            out[i] = 1
        else
            out[i] = false
        end
    end
end
for first = 1, #writes, 1000 do
    call('MSET', unpack(writes, first, math.min(first + 999, #writes)))
end
for first = 1, #scores, 1000 do
    call('ZADD', KEYS[1], unpack(scores, first, math.min(first + 999, #scores)))
end
for first = 1, #ready, 500 do
    call('RPUSH', KEYS[2], unpack(ready, first, math.min(first + 499, #ready)))
end
-- Published after the writes, as SAQ does: a listener that reads on 'queued' finds the job stored.
for i = 1, n do
    if out[i] == 1 then
        call('PUBLISH', KEYS[1 + 2 * i], 'queued')
    elseif out[i] == false then
        out[i] = call('GET', KEYS[1 + 2 * i])
    end
end
return out
