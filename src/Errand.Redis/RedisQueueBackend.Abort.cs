using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Abort, as SAQ's: one transaction, then finish a job that had not started.</content>
public sealed partial class RedisQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<bool> AbortAsync(Job job, string reason, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        ArgumentNullException.ThrowIfNull(reason);
        cancellationToken.ThrowIfCancellationRequested();
        _ = SendPending();
        job.Status = JobStatus.Aborting;
        job.Error = reason;
        try
        {
            // SAQ removes the id from active only when it was not queued; removing it in the same transaction either
            // way stores the same, and tells whether the job was waiting (in incomplete, not active) or running.
            var transaction = _db.CreateTransaction();
            var dequeued = transaction.ListRemoveAsync(_keys.Queued, job.Id);
            var incomplete = transaction.SortedSetRemoveAsync(_keys.Incomplete, job.Id);
            var active = transaction.ListRemoveAsync(_keys.Active, job.Id);
            _ = transaction.StringSetAsync(job.Id, JobDocument.Serialize(job));
            _ = transaction.StringSetAsync(RedisKeys.Abort(job.Key), reason, _options.AbortMarkerTtl);
            _ = transaction.PublishAsync(RedisChannel.Literal(job.Id), "aborting");
            await transaction.ExecuteAsync().ConfigureAwait(false);

            // SAQ treats only a queued job as not started; a scheduled one (or one waiting for a retry delay) is
            // not running either, and no worker would ever finish it.
            var waiting = await dequeued.ConfigureAwait(false) > 0
                || (await incomplete.ConfigureAwait(false) && await active.ConfigureAwait(false) == 0);
            if (!waiting)
            {
                return false;
            }

            await FinishAsync(job, JobStatus.Aborted, CancellationToken.None).ConfigureAwait(false);
            await _db.KeyDeleteAsync(RedisKeys.Abort(job.Key)).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task ClearAbortAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await _db.KeyDeleteAsync(RedisKeys.Abort(key)).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }
}
