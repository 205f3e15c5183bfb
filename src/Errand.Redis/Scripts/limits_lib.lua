-- Errand's limits (issue 17), shared by cycle.lua and limits.lua: this file is put in front of each when it is loaded.
-- Every key is Errand's own and names the queue (errand:QUEUE:...), so a queue without limits stores what SAQ stores,
-- and a hash-tagged queue name keeps them in the queue's slot. A target is 'f:FUNCTION' or 'k:GROUP_KEY'.
--   limits  hash  'f:NAME' or 'k' (every group key) -> 'CONCURRENCY RATE PERIOD_MS' ('-' for none)
--   holds   hash  target -> epoch ms until which none of its jobs starts (JobContext.HoldKeyAsync)
--   running hash  target -> how many of its jobs hold a slot
--   slots   hash  job id -> the targets whose slots it holds, '\n'-separated (what its end frees; the sweep's repair
--                 frees those of jobs no longer running)
--   heldby  hash  job id -> the target it waits for a slot of, or '@' .. target when it waits for a time
--   delayed zset  job id -> epoch ms when it may be judged again (a rate's next start, a hold's end)
--   PREFIX .. 'held:' .. target    list of the ids waiting for a slot of target, oldest first
--   PREFIX .. 'starts:' .. target  list of the start times (epoch ms) of a rate-limited target, newest first
--   PREFIX .. 'ratedue'            hash target -> when its last job held for its rate is due (epoch ms, fractional)
local LQ, LL, LH, LR, LS, LB, LD, LP, LNOW
local lspecs = {}
-- Whether the holds hash exists, read once a call: a job's hold is looked up only when some target is held.
local lholds = nil
-- The running counts this call has read or changed (target -> count), and the targets changed: written once, by
-- limFlush, not one HINCRBY per start and per end. The slots of the jobs started by this call (id, targets pairs),
-- written by limFlush in one HSET.
local lrun, ldirty, lslots = {}, {}, {}

local function limInit(queued, limits, holds, running, slots, heldby, delayed, prefix, now)
    LQ, LL, LH, LR, LS, LB, LD, LP, LNOW = queued, limits, holds, running, slots, heldby, delayed, prefix, tonumber(now)
end

-- Whether the queue has limits, holds, or jobs holding slots or held: else the hot path skips every step below.
local function limActive()
    return redis.call('EXISTS', LL, LH, LS, LB) > 0
end

-- A target's limit, read once a call per field ('f:NAME', or 'k' for every group key).
local function limSpec(target)
    local field = string.byte(target, 1) == 102 and target or 'k'
    local s = lspecs[field]
    if s == nil then
        s = false
        local raw = redis.call('HGET', LL, field)
        if raw then
            local c, r, p = string.match(raw, '^(%S+) (%S+) (%S+)$')
            s = { c = tonumber(c), r = tonumber(r), p = tonumber(p) or 1000 }
        end
        lspecs[field] = s
    end
    return s
end

local function limRunning(target)
    local n = lrun[target]
    if n == nil then
        n = tonumber(redis.call('HGET', LR, target)) or 0
        lrun[target] = n
    end
    return n
end

local function limCount(target, by)
    local n = limRunning(target) + by
    lrun[target] = n > 0 and n or 0
    ldirty[target] = true
end

-- Writes what this call changed of the running counts and slots; every script that starts or ends jobs calls it last.
local function limFlush()
    local set, gone = {}, {}
    for target in pairs(ldirty) do
        local n = lrun[target]
        if n > 0 then
            set[#set + 1] = target
            set[#set + 1] = n
        else
            gone[#gone + 1] = target
        end
    end
    for first = 1, #set, 1000 do
        redis.call('HSET', LR, unpack(set, first, math.min(first + 999, #set)))
    end
    for first = 1, #gone, 500 do
        redis.call('HDEL', LR, unpack(gone, first, math.min(first + 499, #gone)))
    end
    for first = 1, #lslots, 1000 do
        redis.call('HSET', LS, unpack(lslots, first, math.min(first + 999, #lslots)))
    end
    ldirty, lslots = {}, {}
end

local function limHoldUntil(id, target, due)
    redis.call('ZADD', LD, due, id)
    redis.call('HSET', LB, id, '@' .. target)
end

-- Puts the oldest job waiting for a slot of target back at the head of the ready list (a BLMOVE waiter wakes).
local function limReleaseOne(target)
    local id = redis.call('LPOP', LP .. 'held:' .. target)
    if id then
        redis.call('HDEL', LB, id)
        redis.call('LPUSH', LQ, id)
    end
end

-- A job held for another target does not use target's slot: when target has one free, a job waiting for it is
-- judged again, so that no slot stays free while jobs wait for it.
local function limFill(target)
    local s = limSpec(target)
    if s and s.c and limRunning(target) < s.c then
        limReleaseOne(target)
    end
end

-- Whether the job may start now as far as target goes; else holds it (for a slot or a time) and returns false.
local function limMayStart(id, target)
    if lholds == nil then
        lholds = redis.call('EXISTS', LH) == 1
    end
    local hold = lholds and tonumber(redis.call('HGET', LH, target))
    if hold then
        if hold > LNOW then
            limHoldUntil(id, target, hold)
            return false
        end
        redis.call('HDEL', LH, target)
    end
    local s = limSpec(target)
    if not s then
        return true
    end
    if s.c and limRunning(target) >= s.c then
        redis.call('RPUSH', LP .. 'held:' .. target, id)
        redis.call('HSET', LB, id, target)
        return false
    end
    if s.r then
        local nth = tonumber(redis.call('LINDEX', LP .. 'starts:' .. target, s.r - 1))
        if nth and nth > LNOW - s.p then
            -- The jobs held for a rate are due one period / rate apart, after the last one held: released all at once
            -- they would be judged again (and most held again) at every due time.
            local due = nth + s.p
            local last = tonumber(redis.call('HGET', LP .. 'ratedue', target))
            if last and last + s.p / s.r > due then
                due = last + s.p / s.r
            end
            redis.call('HSET', LP .. 'ratedue', target, due)
            redis.call('PEXPIRE', LP .. 'ratedue', math.max(math.ceil(due - LNOW) + s.p, 60000))
            limHoldUntil(id, target, math.floor(due))
            return false
        end
    end
    return true
end

local function limStart(target, slots)
    local s = limSpec(target)
    if not s then
        return
    end
    if s.c then
        limCount(target, 1)
        slots[#slots + 1] = target
    end
    if s.r then
        local k = LP .. 'starts:' .. target
        redis.call('LPUSH', k, LNOW)
        redis.call('LTRIM', k, 0, s.r - 1)
        redis.call('PEXPIRE', k, math.max(2 * s.p, 60000))
    end
end

-- Whether a job's group key matters to this call: the queue limits group keys, or some target is held.
local function limNeedsKeys()
    if lholds == nil then
        lholds = redis.call('EXISTS', LH) == 1
    end
    return lholds or limSpec('k') ~= false
end

local function limTargets(raw)
    -- SAQ's documents (Python's and Errand's) begin with the function: without key limits or holds, that is all a
    -- take needs, read without decoding the document (most of Redis's cost per limited job). A name with an escape
    -- in it, or another layout, is decoded.
    if not limNeedsKeys() then
        local f = string.match(raw, '^{"function":%s*"([^"\\]*)"')
        if f then
            return 'f:' .. f, nil
        end
    end
    local ok, doc = pcall(cjson.decode, raw)
    if not ok or type(doc) ~= 'table' then
        return nil, nil
    end
    local f, g = doc['function'], doc['group_key']
    return type(f) == 'string' and ('f:' .. f) or nil, type(g) == 'string' and ('k:' .. g) or nil
end

-- Judges a job about to be taken: true when it starts (its slots are counted), false when it was held.
local function limTry(id, raw)
    local f, g = limTargets(raw)
    if f and not limMayStart(id, f) then
        if g then limFill(g) end
        return false
    end
    if g and not limMayStart(id, g) then
        if f then limFill(f) end
        return false
    end
    local slots = {}
    if f then limStart(f, slots) end
    if g then limStart(g, slots) end
    if #slots > 0 then
        lslots[#lslots + 1] = id
        lslots[#lslots + 1] = table.concat(slots, '\n')
    end
    return true
end

-- Jobs whose attempt has ended, or that left the queue: their slots are freed (each letting one waiting job be judged
-- again), and they no longer wait. The slots read with one HMGET and dropped with one HDEL; the waits looked up only
-- when some job waits at all.
local function limRelease(ids)
    for first = 1, #ids, 500 do
        local last = math.min(first + 499, #ids)
        local slots = redis.call('HMGET', LS, unpack(ids, first, last))
        local freed = {}
        for i = first, last do
            local s = slots[i - first + 1]
            if s then
                freed[#freed + 1] = ids[i]
                for target in string.gmatch(s, '[^\n]+') do
                    limCount(target, -1)
                    limReleaseOne(target)
                end
            end
        end
        if #freed > 0 then
            redis.call('HDEL', LS, unpack(freed))
        end
    end
    -- A job that ends was running, so it waits for nothing; one that left the queue (aborted, or swept then taken
    -- and held) may.
    if redis.call('EXISTS', LB) == 1 then
        for first = 1, #ids, 500 do
            local last = math.min(first + 499, #ids)
            local waits = redis.call('HMGET', LB, unpack(ids, first, last))
            for i = first, last do
                local b = waits[i - first + 1]
                if b then
                    redis.call('HDEL', LB, ids[i])
                    if string.byte(b, 1) == 64 then
                        redis.call('ZREM', LD, ids[i])
                    else
                        redis.call('LREM', LP .. 'held:' .. b, 1, ids[i])
                    end
                end
            end
        end
    end
end

-- Jobs whose time has come go back to the head of the ready list, the soonest due first.
local function limReleaseDue()
    local due = redis.call('ZRANGEBYSCORE', LD, '-inf', LNOW, 'LIMIT', 0, 1000)
    if #due > 0 then
        for i = #due, 1, -1 do
            redis.call('LPUSH', LQ, due[i])
        end
        redis.call('ZREM', LD, unpack(due))
        redis.call('HDEL', LB, unpack(due))
    end
end
