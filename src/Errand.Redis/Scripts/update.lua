-- Writes a job document and publishes its status, unless an abort request would be lost: a job stored as
-- 'aborting' keeps that status until its worker finishes it (the worker polls the stored status).
-- KEYS[1] job id
-- ARGV[1] the job document, ARGV[2] its status word
-- Returns nil when written, else the stored document, for the caller to write again with the stored status.
if ARGV[2] ~= 'aborting' then
    local raw = redis.call('GET', KEYS[1])
    if raw then
        -- Decoded only to read one field; the document is never re-encoded here.
        local ok, stored = pcall(cjson.decode, raw)
        if ok and type(stored) == 'table' and stored['status'] == 'aborting' then
            return raw
        end
    end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[1], ARGV[2])
return false
