-- Sent right after an idle worker's BLMOVE, on the same connection, so it runs as soon as the BLMOVE has moved an id:
-- returns the ids at the tail of the active list with their documents, where the moved id is, unless other clients
-- pushed more in between. The worker looks its id up in the reply, and reads the document by a take when it is not
-- there. Reads only.
--
-- KEYS[1] active list. ARGV[1] how many ids to return from the tail.
-- Returns id, document pairs, newest last; a missing document comes back as false.
local ids = redis.call('LRANGE', KEYS[1], -tonumber(ARGV[1]), -1)
if #ids == 0 then
    return {}
end
local documents = redis.call('MGET', unpack(ids))
local out = {}
for i = 1, #ids do
    out[2 * i - 1] = ids[i]
    out[2 * i] = documents[i]
end
return out
