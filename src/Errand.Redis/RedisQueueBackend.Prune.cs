using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Prune: the finished-job indexes lose the ids whose documents have expired, so they stay bounded by the jobs' ttls.</content>
public sealed partial class RedisQueueBackend
{
    // Ids dropped per script call: each call is short, so other clients are never held up for long.
    private const int PruneChunk = 1000;

    /// <summary>Drops from the finished-job indexes every id whose document expired by <paramref name="nowMs"/>, a chunk a call.</summary>
    /// <returns>How many ids were dropped.</returns>
    private async Task<long> PruneFinishedAsync(long nowMs)
    {
        RedisKey[] keys = [_keys.FinishedExpiry, _keys.FinishedComplete, _keys.FinishedFailed, _keys.FinishedAborted];
        long total = 0;
        long dropped;
        do
        {
            dropped = (long)await _db.ScriptEvaluateAsync(RedisScripts.PruneFinished, keys, [nowMs, PruneChunk]).ConfigureAwait(false);
            total += dropped;
        }
        while (dropped == PruneChunk);

        return total;
    }
}
