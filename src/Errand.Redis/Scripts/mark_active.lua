-- Marks the jobs a dequeue took as active, in one call for the whole batch: writes each document and publishes
-- 'active', unless its stored status is 'aborting' (an abort that came between the move and this write is kept).
-- KEYS[i] job id, ARGV[i] its document with status 'active'
-- Returns one entry per job: false (nil) when written, else the stored document.
local out = {}
for i = 1, #KEYS do
    local raw = redis.call('GET', KEYS[i])
    local aborting = false
    -- Decoded only when the word appears at all: most documents never hold it, and decoding is the costly part.
    if raw and string.find(raw, '"aborting"', 1, true) then
        local ok, stored = pcall(cjson.decode, raw)
        aborting = ok and type(stored) == 'table' and stored['status'] == 'aborting'
    end
    if aborting then
        out[i] = raw
    else
        redis.call('SET', KEYS[i], ARGV[i])
        redis.call('PUBLISH', KEYS[i], 'active')
        out[i] = false
    end
end
return out
