using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Prune: the finished-job indexes lose the ids whose documents have expired, so they stay bounded by the jobs' ttls.</content>
public sealed partial class RedisQueueBackend
{
    // Entries of the expiry index taken per script call (a batch's entry covers its jobs, up to a few hundred): each
    // call stays short, so other clients are never held up for long.
    private const int PruneChunk = 100;

    /// <summary>Drops from the finished-job indexes the ids whose document has expired, for every entry of the expiry index due by <paramref name="nowMs"/>, a chunk a call.</summary>
    /// <returns>How many entries were taken.</returns>
    private async Task<long> PruneFinishedAsync(long nowMs)
    {
        RedisKey[] keys = [_keys.FinishedExpiry, _keys.FinishedComplete, _keys.FinishedFailed, _keys.FinishedAborted];
        long total = 0;
        long taken;
        do
        {
            taken = (long)await EvaluateAsync(RedisScripts.PruneFinished, keys, [nowMs, PruneChunk]).ConfigureAwait(false);
            total += taken;
        }
        while (taken == PruneChunk);

        return total;
    }
}
