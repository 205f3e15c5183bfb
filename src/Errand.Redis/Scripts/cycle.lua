-- One round trip of a worker's hot path: marks the jobs it took active, finishes the jobs that ended, and takes the
-- ready ones, each part for a whole batch. What each part stores is what SAQ stores for one job; Errand adds its own
-- keys (the finished-job index and the per-minute history).
--
-- KEYS[1] queued list, KEYS[2] active list, KEYS[3] incomplete zset, KEYS[4..6] errand finished index of complete,
-- failed, aborted; then M ids to mark active; then F quadruples (id of a finished job, its errand per-minute history
-- hash, its errand per-hour history hash, its errand attempts list); then P ids that BLMOVE already moved to active,
-- whose documents to return; then errand's expiry index of finished jobs; last, errand's limit keys (limits_lib.lua,
-- put in front of this script): limits, holds, running, slots, heldby, delayed; then errand's set of retrying jobs.
-- ARGV[1] M, ARGV[2] F, ARGV[3] P, ARGV[4] how many ready ids to take, ARGV[5] history key ttl in seconds; then M
-- documents with status 'active'; then F octuples: ttl in seconds (> 0 SETEX, 0 SET, < 0 DEL), status word,
-- document, completed time (epoch ms), '1' when the job was taken since the last call (its mark is not among the M:
-- a job marked and finished in one atomic call is never seen active, so only its 'active' notification goes out,
-- before its outcome's) else '0', the attempt that finishes (the document's attempts), the document this attempt last
-- wrote ('' when unknown, and for a job taken since the last call), the attempt's record (JSON, pushed on the
-- attempts list, which keeps the last ARGV[tail + 6] and expires with the document; '' for a first attempt that
-- completed, which has none); then the batch's entry of
-- errand's expiry index: when the first of its documents with a ttl expires (epoch ms) and 'w:FIRST:LAST' (its
-- completed range), or two empty strings when none has a ttl; then now (epoch ms) and the prefix of errand's
-- per-target limit keys ('errand:QUEUE:'); last, the per-hour history key ttl in seconds and how many attempts a list
-- keeps.
--
-- Limits: only when the queue has limits (or holds, or jobs holding slots or held) does the script read a job's
-- function and group key: a finish frees the job's slots, a take judges each ready job and holds one over a limit out
-- of the ready list (the walk goes on past it, up to 10,000 ids a call), and the jobs whose hold has ended go back to
-- the head of the ready list first. Without limits the script runs as before, plus one EXISTS.
--
-- A finish is stored only while its attempt is the job's current one (AttemptRules in the core): the stored job is
-- active or aborting with the same attempts, or queued or aborting one behind (taken, its mark not stored yet). The
-- outcome of an attempt that was swept and queued again, or taken again, changes nothing. A job taken since the last
-- call is checked by its entry in the active list alone, unless that entry is gone (see below).
--
-- Returns M mark results (false when written; else the stored document, whose 'aborting' status was kept, or that was
-- left as it was because the job's entry had left the active list, '' when missing), then
-- id, document pairs: the P ids first, then the ids taken, oldest first. A missing document comes back as false; a
-- moved job held by a limit as an empty string.
-- Kept cheap per job: redis.call held in a local, arrays filled by index or counter (#t is a search in Lua 5.1).
local call = redis.call
local m, f, p, take = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local finishedBase, movedBase = 6 + m, 6 + m + 4 * f
local tail = 5 + m + 8 * f
local out = {}
local limitBase = movedBase + p + 1
limInit(KEYS[1], KEYS[limitBase + 1], KEYS[limitBase + 2], KEYS[limitBase + 3], KEYS[limitBase + 4], KEYS[limitBase + 5],
    KEYS[limitBase + 6], ARGV[tail + 4], ARGV[tail + 3])
local limited = limActive()

-- Marks. Whether a job's entry is still in the active list: looked up among the list's last m + 100 entries (where
-- the takes put them; one LRANGE for the call), else searched in the whole list (an entry gone, or pushed far back
-- by other workers' takes: rare). A search from the tail per mark was quadratic for a large batch.
local near = nil
local function inActive(id)
    if near == nil then
        near = {}
        local tail = call('LRANGE', KEYS[2], -(m + 100), -1)
        for k = 1, #tail do
            near[tail[k]] = true
        end
    end
    return near[id] or call('LPOS', KEYS[2], id) ~= false
end
for first = 1, m, 500 do
    local last = math.min(first + 499, m)
    local ids = {}
    for i = first, last do
        ids[#ids + 1] = KEYS[6 + i]
    end
    local raws = call('MGET', unpack(ids))
    local writes = {}
    for i = first, last do
        local raw = raws[i - first + 1]
        local aborting = false
        -- Decoded only when the word appears at all: most documents never hold it, and decoding is the costly part.
        if raw and string.find(raw, '"aborting"', 1, true) then
            local ok, stored = pcall(cjson.decode, raw)
            aborting = ok and type(stored) == 'table' and stored['status'] == 'aborting'
        end
        if aborting then
            out[i] = raw
        elseif not inActive(KEYS[6 + i]) then
            -- Its entry in the active list is gone: the job ended, or was swept, before its mark came. A mark is sent
            -- before the job's finish, but on a cluster a call refused with TRYAGAIN is sent again and may land after a
            -- later call that finished the job; written now, it would bring the ended job back as active, in no list.
            out[i] = raw or ''
        else
            writes[#writes + 1] = KEYS[6 + i]
            writes[#writes + 1] = ARGV[5 + i]
        end
    end
    if #writes > 0 then
        call('MSET', unpack(writes))
    end
end
for i = 1, m do
    if out[i] == nil then
        out[i] = false
        call('PUBLISH', KEYS[6 + i], 'active')
    end
end

-- Finishes.
local index = { complete = KEYS[4], failed = KEYS[5], aborted = KEYS[6] }
local words = { 'complete', 'failed', 'aborted' }
local added = { complete = {}, failed = {}, aborted = {} }
local others = { complete = {}, failed = {}, aborted = {} }
local counts = {}
local ended = {}
-- Finished jobs past their first attempt: only these can be in errand's set of retrying jobs (one SREM a call, none
-- when every job ran once).
local retried = {}
-- Whether attempt n's finish may be stored over the document raw: it is the one this attempt last wrote (one
-- comparison of two strings), or, decoded, the job is active or aborting with n attempts, or queued or aborting one
-- behind (taken, its mark not stored yet).
local function isCurrent(raw, n, expected)
    if not raw then
        return false
    end
    if raw == expected then
        return true
    end
    -- Decoded only to read two fields; the document is never re-encoded here.
    local ok, stored = pcall(cjson.decode, raw)
    if not ok or type(stored) ~= 'table' then
        return false
    end
    local status, attempts = stored['status'], tonumber(stored['attempts']) or 0
    return ((status == 'active' or status == 'aborting') and attempts == n)
        or ((status == 'queued' or status == 'aborting') and attempts == n - 1)
end
-- The documents of the finishes whose mark was stored by an earlier call, read in one MGET per 500. A job taken since
-- the last call ('1') needs no read: it was moved to the active list by that take, and it is still this attempt's
-- while its entry is there (the LREM below says so); only when the entry is gone (an abort took it out, or a sweep by
-- another process) is its document read.
local stale = {}
local checked, checkedAt = {}, {}
for i = 1, f do
    if ARGV[5 + m + 8 * i - 7 + 4] ~= '1' then
        checked[#checked + 1] = KEYS[finishedBase + 4 * i - 3]
        checkedAt[#checked] = i
    end
end
for first = 1, #checked, 500 do
    local last = math.min(first + 499, #checked)
    local raws = call('MGET', unpack(checked, first, last))
    for c = first, last do
        local i = checkedAt[c]
        local j = 5 + m + 8 * i - 7
        stale[i] = not isCurrent(raws[c - first + 1], tonumber(ARGV[j + 5]), ARGV[j + 6])
    end
end
local e = 0
local hours = {}
local keep = tonumber(ARGV[tail + 6])
-- The finished jobs whose slots are freed (on a limited queue), all at once after the loop.
local released = {}
for i = 1, f do
    local id = KEYS[finishedBase + 4 * i - 3]
    local j = 5 + m + 8 * i - 7
    -- One entry, as SAQ's finish removes it: an id taken twice (queued twice) keeps the other run's entry. The
    -- oldest jobs are at the list's head, so the scan stops early where a whole-list LREM read every entry.
    if not stale[i] and call('LREM', KEYS[2], '1', id) == 0 and ARGV[j + 4] == '1' then
        stale[i] = not isCurrent(call('GET', id), tonumber(ARGV[j + 5]), '')
    end
    if not stale[i] then
        if limited then
            released[#released + 1] = id
        end
        local history = KEYS[finishedBase + 4 * i - 2]
        hours[history] = KEYS[finishedBase + 4 * i - 1]
        -- The ttl stays a string (an integer's digits): Redis takes its arguments as strings, and a Lua number would be
        -- formatted back into one for every call.
        local ttl = ARGV[j]
        local deleted = string.byte(ttl, 1) == 45 -- '-': deleted at once
        local status = ARGV[j + 1]
        e = e + 1
        ended[e] = id
        if tonumber(ARGV[j + 5]) > 1 then
            retried[#retried + 1] = id
        end
        -- The job is in the index of its status (when kept) and in no other.
        for w = 1, 3 do
            local word = words[w]
            if word == status and not deleted then
                local into = added[word]
                into[#into + 1] = ARGV[j + 3]
                into[#into + 1] = id
            else
                local ids = others[word]
                ids[#ids + 1] = id
            end
        end
        local byStatus = counts[history]
        if not byStatus then
            byStatus = {}
            counts[history] = byStatus
        end
        byStatus[status] = (byStatus[status] or 0) + 1
        -- Errand's record of the attempt: pushed on the job's list, which keeps the last ones and lives as the document.
        local attempts = KEYS[finishedBase + 4 * i]
        if deleted then
            call('DEL', id, attempts)
        else
            local record = ARGV[j + 7]
            if record == '' then
                -- A first attempt that completed has no record (its document says all of it, and the reader makes
                -- the record from it): the list can only be an older job's under this key, so it goes.
                call('DEL', attempts)
            -- RPUSH answers the list's length: trimmed only when it is over the bound (rarely: most jobs run once).
            elseif call('RPUSH', attempts, record) > keep then
                call('LTRIM', attempts, -keep, -1)
            end
            if ttl == '0' then
                call('SET', id, ARGV[j + 2])
                if record ~= '' then
                    call('PERSIST', attempts)
                end
            else
                call('SETEX', id, ttl, ARGV[j + 2])
                if record ~= '' then
                    call('EXPIRE', attempts, ttl)
                end
            end
        end
        if ARGV[j + 4] == '1' then
            call('PUBLISH', id, 'active')
        end
        call('PUBLISH', id, status)
    end
end
if #released > 0 then
    limRelease(released)
end
for first = 1, #ended, 500 do
    call('ZREM', KEYS[3], unpack(ended, first, math.min(first + 499, #ended)))
end
for first = 1, #retried, 500 do
    call('SREM', KEYS[limitBase + 7], unpack(retried, first, math.min(first + 499, #retried)))
end
for word, set in pairs(index) do
    for first = 1, #added[word], 1000 do
        call('ZADD', set, unpack(added[word], first, math.min(first + 999, #added[word])))
    end
    for first = 1, #others[word], 500 do
        call('ZREM', set, unpack(others[word], first, math.min(first + 499, #others[word])))
    end
end
-- Errand's expiry index: one entry for the batch (not one per job), due when its first document with a ttl expires;
-- the prune on sweep finds the batch's ids in the finished indexes by their completed range.
if ARGV[tail + 1] ~= '' then
    call('ZADD', KEYS[movedBase + p + 1], ARGV[tail + 1], ARGV[tail + 2])
end
-- History counts are added up over the batch: one HINCRBY per minute and status, one EXPIRE per minute; the same for
-- the minute's hour (a batch's minutes are mostly one, in one hour).
for history, byStatus in pairs(counts) do
    local hour = hours[history]
    for status, count in pairs(byStatus) do
        call('HINCRBY', history, status, count)
        call('HINCRBY', hour, status, count)
    end
    call('EXPIRE', history, ARGV[5])
    call('EXPIRE', hour, ARGV[tail + 5])
end

-- Takes: the documents of the ids BLMOVE moved, then up to `take` ready ids moved from queued to active.
local o = #out
for i = 1, p do
    local id = KEYS[movedBase + i]
    out[o + 1] = id
    out[o + 2] = call('GET', id)
    -- Moved by a BLMOVE that was waiting when the limits came: judged now; one over a limit leaves the active list
    -- for its hold, and comes back as an empty document (the worker does not run it).
    if limited and out[o + 2] and not limTry(id, out[o + 2]) then
        call('LREM', KEYS[2], -1, id)
        out[o + 2] = ''
    end
    o = o + 2
end
if take > 0 and limited then
    limReleaseDue()
    -- The ready ids are read from the head in chunks (LRANGE + LTRIM + MGET), the first as large as the take, each
    -- next one twice as large while held jobs fill them; the ids not judged when the take is full go back to the head
    -- in their order. The jobs a judgement lets wait for a slot come back to the head meanwhile (limReleaseOne): the
    -- next chunk reads them.
    local taken, scanned, chunk = 0, 0, take
    while taken < take and scanned < 10000 do
        local ids = call('LRANGE', KEYS[1], 0, math.min(chunk, 10000 - scanned) - 1)
        if #ids == 0 then
            break
        end
        call('LTRIM', KEYS[1], #ids, -1)
        local raws = call('MGET', unpack(ids))
        local started, i = {}, 1
        while i <= #ids and taken < take do
            local id, raw = ids[i], raws[i]
            -- A missing or corrupt document is taken as before: the worker's read quarantines it.
            if not raw or limTry(id, raw) then
                started[#started + 1] = id
                out[o + 1] = id
                out[o + 2] = raw or false
                o = o + 2
                taken = taken + 1
            end
            i = i + 1
        end
        scanned = scanned + i - 1
        if i <= #ids then
            local back = {}
            for k = #ids, i, -1 do
                back[#back + 1] = ids[k]
            end
            call('LPUSH', KEYS[1], unpack(back))
        end
        if #started > 0 then
            call('RPUSH', KEYS[2], unpack(started))
        end
        chunk = math.min(chunk * 2, 1000)
    end
elseif take > 0 then
    local ids = call('LRANGE', KEYS[1], 0, take - 1)
    if #ids > 0 then
        call('LTRIM', KEYS[1], #ids, -1)
        for first = 1, #ids, 500 do
            local last = math.min(first + 499, #ids)
            call('RPUSH', KEYS[2], unpack(ids, first, last))
            local documents = call('MGET', unpack(ids, first, last))
            for i = first, last do
                out[o + 1] = ids[i]
                out[o + 2] = documents[i - first + 1]
                o = o + 2
            end
        end
    end
end
if limited then
    limFlush()
end
return out
