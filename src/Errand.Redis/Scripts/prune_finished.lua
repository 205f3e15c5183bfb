-- Drops from Errand's finished-job indexes the ids whose document has expired, one chunk a call, so the indexes
-- (and the totals read from them) stay bounded by the jobs' ttls. Cheap when nothing has expired: one ZRANGEBYSCORE.
-- KEYS[1] the expiry index (errand:Q:finished:expiry, ids scored by expiry in epoch ms), KEYS[2..4] the finished
-- indexes of complete, failed and aborted jobs.
-- ARGV[1] now (epoch ms), ARGV[2] the most ids to drop in this call.
-- Returns how many ids were dropped; fewer than ARGV[2] means none is left to drop.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #ids == 0 then
    return 0
end
for k = 1, 4 do
    redis.call('ZREM', KEYS[k], unpack(ids))
end
return #ids
