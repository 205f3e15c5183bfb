-- A page of one finished status from Errand's index, newest completed first; prunes entries whose document has
-- expired or no longer has that status (the key was enqueued again), so pages stay full and the index stays small.
-- KEYS[1] the index (errand:Q:finished:STATUS, a sorted set of job ids scored by completed ms)
-- ARGV[1] offset, ARGV[2] limit, ARGV[3] the status word
-- Returns { total, id1, document1, id2, document2, ... } where total is the index's size after pruning.
local offset = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local found = {}
local kept = 0
local start = offset
local pruned = 0
while kept < limit and pruned < 10000 do
    local ids = redis.call('ZREVRANGE', KEYS[1], start, start + (limit - kept) - 1)
    if #ids == 0 then
        break
    end
    local keptNow = 0
    for _, id in ipairs(ids) do
        local document = redis.call('GET', id)
        local ok, job = false, nil
        if document then
            ok, job = pcall(cjson.decode, document)
        end
        if ok and type(job) == 'table' and job['status'] == ARGV[3] then
            found[#found + 1] = id
            found[#found + 1] = document
            keptNow = keptNow + 1
        else
            redis.call('ZREM', KEYS[1], id)
            pruned = pruned + 1
        end
    end
    kept = kept + keptNow
    start = start + keptNow
end
local result = { redis.call('ZCARD', KEYS[1]) }
for _, v in ipairs(found) do
    result[#result + 1] = v
end
return result
