-- Errand's limit operations besides the worker's cycle (limits_lib.lua is put in front of this script).
-- KEYS[1] queued list, KEYS[2..7] limits, holds, running, slots, heldby, delayed (limits_lib.lua), KEYS[8] active list.
-- ARGV[1] the operation, ARGV[2] the prefix of the per-target keys ('errand:QUEUE:'), ARGV[3] now (epoch ms), then:
--   'release' id: the job's attempt ended or it left the queue (a retry, an abort, a sweep's decision): frees its
--             slots and stops its waiting. Run inside the transaction of that change.
--   'set' field, value pairs: replaces the queue's limits (none: removes them); every held job goes back to the
--             ready list, to be judged again under the new limits.
--   'hold' target, until (epoch ms): holds the target's starts until then, unless a hold that ends later is stored.
--   'repair': the sweep's repair: frees the slots of jobs that are no longer running (their end was not seen: a
--             Python SAQ worker finished them, or a process died between), counts the running jobs again from the
--             slots, and lets waiting jobs of targets with a free slot be judged again. Returns how many slots it freed.
--   'states': target, running, concurrency (-1 for none), held, for every target with a limit, a running job or a
--             held job.
limInit(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], ARGV[2], ARGV[3])
local op = ARGV[1]

if op == 'release' then
    if limActive() then
        limRelease({ ARGV[4] })
        limFlush()
    end
    return 0
end

if op == 'set' then
    redis.call('DEL', LL)
    for i = 4, #ARGV, 2 do
        redis.call('HSET', LL, ARGV[i], ARGV[i + 1])
    end
    local held = redis.call('HGETALL', LB)
    for i = 1, #held, 2 do
        local b = held[i + 1]
        if string.byte(b, 1) ~= 64 then
            redis.call('DEL', LP .. 'held:' .. b)
        end
        redis.call('LPUSH', LQ, held[i])
    end
    redis.call('DEL', LB, LD, LP .. 'ratedue')
    return #held / 2
end

if op == 'hold' then
    local current = tonumber(redis.call('HGET', LH, ARGV[4]))
    if not current or current < tonumber(ARGV[5]) then
        redis.call('HSET', LH, ARGV[4], ARGV[5])
    end
    return 0
end

if op == 'repair' then
    local freed = 0
    local slots = redis.call('HGETALL', LS)
    redis.call('DEL', LR)
    -- A job in the active list runs, whatever its document says: one just taken is marked active by its worker's
    -- next call, and is 'queued' until then.
    local active = {}
    if #slots > 0 then
        local ids = redis.call('LRANGE', KEYS[8], 0, -1)
        for i = 1, #ids do
            active[ids[i]] = true
        end
    end
    for i = 1, #slots, 2 do
        local id, targets = slots[i], slots[i + 1]
        local running = active[id] or false
        local raw = not running and redis.call('GET', id)
        if raw then
            local ok, doc = pcall(cjson.decode, raw)
            running = ok and type(doc) == 'table' and (doc['status'] == 'active' or doc['status'] == 'aborting')
        end
        if running then
            for target in string.gmatch(targets, '[^\n]+') do
                redis.call('HINCRBY', LR, target, 1)
            end
        else
            redis.call('HDEL', LS, id)
            freed = freed + 1
        end
    end
    -- Every target some job waits for a slot of: as many jobs judged again as it has free slots.
    local held = redis.call('HGETALL', LB)
    local seen = {}
    for i = 2, #held, 2 do
        local b = held[i]
        if string.byte(b, 1) ~= 64 and not seen[b] then
            seen[b] = true
            local s = limSpec(b)
            local free = s and s.c and (s.c - limRunning(b)) or redis.call('LLEN', LP .. 'held:' .. b)
            for _ = 1, free do
                limReleaseOne(b)
            end
        end
    end
    return freed
end

if op == 'states' then
    local states, at = {}, {}
    local function state(target)
        local st = at[target]
        if not st then
            local s = limSpec(target)
            st = { target, limRunning(target), s and s.c or -1, 0 }
            at[target] = st
            states[#states + 1] = st
        end
        return st
    end
    local fields = redis.call('HKEYS', LL)
    for i = 1, #fields do
        if string.byte(fields[i], 1) == 102 then
            state(fields[i])
        end
    end
    local running = redis.call('HKEYS', LR)
    for i = 1, #running do
        state(running[i])
    end
    local held = redis.call('HVALS', LB)
    for i = 1, #held do
        local b = held[i]
        if string.byte(b, 1) == 64 then
            b = string.sub(b, 2)
        end
        local st = state(b)
        st[4] = st[4] + 1
    end
    local out = {}
    for i = 1, #states do
        local st = states[i]
        out[#out + 1] = st[1]
        out[#out + 1] = st[2]
        out[#out + 1] = st[3]
        out[#out + 1] = st[4]
    end
    return out
end

return redis.error_reply('unknown limits operation ' .. tostring(op))
