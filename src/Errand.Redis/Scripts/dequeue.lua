-- Moves up to ARGV[1] ready ids from queued to active (LMOVE LEFT RIGHT) and returns id, document pairs.
-- KEYS[1] queued list, KEYS[2] active list
-- ARGV[1] how many to move, ARGV[2] an id already moved by BLMOVE whose document to return first, or ''
-- A missing document comes back as nil; the caller moves such ids out of the way.
local out = {}
if ARGV[2] ~= '' then
    out[1] = ARGV[2]
    out[2] = redis.call('GET', ARGV[2])
end
for _ = 1, tonumber(ARGV[1]) do
    local id = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
    if not id then
        break
    end
    out[#out + 1] = id
    out[#out + 1] = redis.call('GET', id)
end
return out
