-- Drops from Errand's finished-job indexes the ids whose document has expired, so the indexes (and the totals read
-- from them) stay bounded by the jobs' ttls. Cheap when nothing is due: one ZRANGEBYSCORE.
-- KEYS[1] the expiry index (errand:Q:finished:expiry), KEYS[2..4] the finished indexes of complete, failed, aborted.
-- An entry of the expiry index is due (its score, epoch ms) when the first document it covers may have expired:
--   'w:FIRST:LAST', a batch of finishes: the ids of the finished indexes completed in [FIRST, LAST] (epoch ms);
--   a job id, one job (added when the finished jobs of SAQ were indexed, or left from a batch below).
-- Redis's own clock decides (PTTL): an id whose document is gone leaves the indexes; one whose document expires later
-- (another ttl, or the clocks apart) gets an entry of its own for then; one kept for ever stays.
-- ARGV[1] now (epoch ms), ARGV[2] the most entries to take in this call.
-- Returns how many entries were taken; fewer than ARGV[2] means none is left due.
local call = redis.call
local now = tonumber(ARGV[1])
local due = call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #due == 0 then
    return 0
end
call('ZREM', KEYS[1], unpack(due))
for _, entry in ipairs(due) do
    local first, last = string.match(entry, '^w:(%-?%d+):(%-?%d+)$')
    if first then
        for k = 2, 4 do
            local gone = {}
            for _, id in ipairs(call('ZRANGEBYSCORE', KEYS[k], first, last)) do
                local left = call('PTTL', id)
                if left == -2 then
                    gone[#gone + 1] = id
                elseif left > 0 then
                    call('ZADD', KEYS[1], now + left, id)
                end
            end
            for i = 1, #gone, 500 do
                call('ZREM', KEYS[k], unpack(gone, i, math.min(i + 499, #gone)))
            end
        end
    else
        local left = call('PTTL', entry)
        if left == -2 then
            for k = 2, 4 do
                call('ZREM', KEYS[k], entry)
            end
        elseif left > 0 then
            call('ZADD', KEYS[1], now + left, entry)
        end
    end
end
return #due
