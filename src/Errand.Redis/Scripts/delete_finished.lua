-- Deletes the finished jobs among the ids given: their documents and their entries in Errand's finished indexes. A job
-- waiting or running (or gone, or unreadable) is left. An operator's action, never part of taking or finishing jobs.
-- KEYS[1..3] errand:Q:finished:complete, failed, aborted; KEYS[4..] pairs of a job id (saq:job:Q:KEY) and its errand
-- list of attempts (errand:Q:attempts:KEY, deleted with the job), a batch of a few hundred.
-- Entries of errand:Q:finished:expiry that cover a deleted id are left: the prune finds its document gone and moves on.
-- Returns the ids deleted.
local call = redis.call
local finished = { complete = true, failed = true, aborted = true }
local deleted = {}
for i = 4, #KEYS, 2 do
    local id = KEYS[i]
    local document = call('GET', id)
    if document then
        local ok, job = pcall(cjson.decode, document)
        if ok and type(job) == 'table' and finished[job.status] then
            call('DEL', id, KEYS[i + 1])
            deleted[#deleted + 1] = id
        end
    end
end
if #deleted > 0 then
    for k = 1, 3 do
        call('ZREM', KEYS[k], unpack(deleted))
    end
end
return deleted
