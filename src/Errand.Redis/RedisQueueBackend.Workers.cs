using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Worker info: <c>saq:QUEUE:worker_info:W</c> documents and the <c>saq:QUEUE:stats</c> set of live workers.</content>
public sealed partial class RedisQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="ArgumentException">The worker id is empty.</exception>
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public Task WriteWorkerInfoAsync(WorkerInfo info, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        CheckWorkerId(info.WorkerId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var now = NowMs;
        var key = _keys.WorkerInfo(info.WorkerId);
        var transaction = _db.CreateTransaction();
        _ = transaction.StringSetAsync(key, WorkerInfoDocument.Serialize(info), ttl);
        _ = transaction.SortedSetAddAsync(_keys.Stats, key.ToString(), now + (long)Math.Ceiling(ttl.TotalMilliseconds));
        _ = transaction.SortedSetRemoveRangeByScoreAsync(_keys.Stats, double.NegativeInfinity, now, Exclude.Stop);
        _ = transaction.KeyExpireAsync(_keys.Stats, TimeSpan.FromSeconds(Math.Ceiling(ttl.TotalSeconds)));
        return ExecuteAsync(transaction);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public Task RemoveWorkerInfoAsync(string workerId, CancellationToken cancellationToken)
    {
        CheckWorkerId(workerId);
        cancellationToken.ThrowIfCancellationRequested();
        var key = _keys.WorkerInfo(workerId);
        var transaction = _db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(key);
        _ = transaction.SortedSetRemoveAsync(_keys.Stats, key.ToString());
        return ExecuteAsync(transaction);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IReadOnlyList<WorkerInfo>> GetWorkersAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var now = _time.GetUtcNow();
            var members = await _db.SortedSetRangeByScoreAsync(_keys.Stats, now.ToUnixTimeMilliseconds(), double.PositiveInfinity).ConfigureAwait(false);
            if (members.Length == 0)
            {
                return [];
            }

            var documents = await _db.StringGetAsync([.. members.Select(m => (RedisKey)(string)m!)]).ConfigureAwait(false);
            var workers = new List<WorkerInfo>(members.Length);
            for (var i = 0; i < members.Length; i++)
            {
                if ((byte[]?)documents[i] is { } document
                    && WorkerInfoDocument.Deserialize(_keys.WorkerIdOf(members[i]!), document) is { } info)
                {
                    workers.Add(info with { LastSeen = now });
                }
            }

            return workers;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    // An id may hold ':' (SAQ allows "host:1"): readers strip the known key prefix, not the part before the last ':'.
    private static void CheckWorkerId(string workerId) => ArgumentException.ThrowIfNullOrEmpty(workerId);
}
