-- Writes a job document and publishes its status, unless an abort request would be lost or the writer's attempt is
-- no longer the job's current one. A job stored as 'aborting' keeps that status until its worker finishes it (the
-- worker polls the stored status); a running attempt writes only while the stored job is active or aborting with its
-- attempts, or queued or aborting one attempt behind (taken, its active mark not stored yet), as AttemptRules says.
-- KEYS[1] job id
-- ARGV[1] the job document, ARGV[2] its status word, ARGV[3] the writer's attempt, or '' when the job is not running
-- Returns false when written; 1 when refused (a stale attempt, or the job is gone); else the stored document, whose
-- 'aborting' the caller keeps when it writes again.
local raw = redis.call('GET', KEYS[1])
if ARGV[3] ~= '' then
    if not raw then
        return 1
    end
    -- Decoded only to read two fields; the document is never re-encoded here.
    local ok, stored = pcall(cjson.decode, raw)
    if not ok or type(stored) ~= 'table' then
        return 1
    end
    local status, attempts, n = stored['status'], tonumber(stored['attempts']) or 0, tonumber(ARGV[3])
    local current = ((status == 'active' or status == 'aborting') and attempts == n)
        or ((status == 'queued' or status == 'aborting') and attempts == n - 1)
    if not current then
        return 1
    end
    if status == 'aborting' and ARGV[2] ~= 'aborting' then
        return raw
    end
elseif ARGV[2] ~= 'aborting' and raw and string.find(raw, '"aborting"', 1, true) then
    -- Decoded only when the word appears at all: most documents never hold it, and decoding is the costly part.
    local ok, stored = pcall(cjson.decode, raw)
    if ok and type(stored) == 'table' and stored['status'] == 'aborting' then
        return raw
    end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[1], ARGV[2])
return false
