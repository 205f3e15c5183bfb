-- A page of one finished status from Errand's index, newest completed first. Read only: a dashboard's GET must not
-- write. Entries whose document has expired or no longer has that status (the key was enqueued again) are skipped,
-- not removed (the sweep prunes expired ones), so the page holds the valid entries of index positions
-- offset .. offset + limit - 1: no job is shown twice or skipped between pages; a page may be short.
-- KEYS[1] the index (errand:Q:finished:STATUS, a sorted set of job ids scored by completed ms)
-- ARGV[1] offset, ARGV[2] limit, ARGV[3] the status word
-- Returns { total, id1, document1, id2, document2, ... } where total is the index's size less the entries skipped.
local call = redis.call
local offset = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local result = { 0 }
local n = 1
local skipped = 0
local ids = call('ZREVRANGE', KEYS[1], offset, offset + limit - 1)
for _, id in ipairs(ids) do
    local document = call('GET', id)
    local ok, job = false, nil
    if document then
        ok, job = pcall(cjson.decode, document)
    end
    if ok and type(job) == 'table' and job['status'] == ARGV[3] then
        result[n + 1] = id
        result[n + 2] = document
        n = n + 2
    else
        skipped = skipped + 1
    end
end
result[1] = call('ZCARD', KEYS[1]) - skipped
return result
