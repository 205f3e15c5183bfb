using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Update, finish and retry: SAQ's transactions, with the publish inside them to save a round trip; finishes go in the cycle script (RedisQueueBackend.Cycle.cs).</content>
public sealed partial class RedisQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task UpdateAsync(Job job, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        cancellationToken.ThrowIfCancellationRequested();
        _ = SendPending();
        job.Touched = NowMs;
        try
        {
            var stored = await WriteUnlessAbortingAsync(job).ConfigureAwait(false);
            if (stored is not null)
            {
                // An abort was requested since the worker read the job: keep it, and tell the caller.
                job.Status = JobStatus.Aborting;
                job.Error = JobDocument.Deserialize(stored, job.Id, QueueName).Error;
                await WriteUnlessAbortingAsync(job).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not complete, failed or aborted.</exception>
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public Task FinishAsync(Job job, JobStatus status, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        if (!status.IsFinished())
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A job finishes as complete, failed or aborted.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        job.Status = status;
        job.Completed = NowMs;
        if (status == JobStatus.Complete)
        {
            job.Progress = 1.0;
        }

        var pending = new PendingFinish(job.Id, _keys.History(job.Completed / MsPerMinute), job.Ttl, status.ToWire(), job.Ttl >= 0 ? JobDocument.Serialize(job) : [], job.Completed);
        return AddFinish(pending);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public Task RetryAsync(Job job, TimeSpan delay, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        cancellationToken.ThrowIfCancellationRequested();
        _ = SendPending();
        var now = NowMs;
        job.Status = JobStatus.Queued;
        job.Completed = 0;
        job.Started = 0;
        job.Progress = 0;
        job.Touched = now;
        var transaction = _db.CreateTransaction();
        _ = transaction.ListRemoveAsync(_keys.Active, job.Id);
        _ = transaction.ListRemoveAsync(_keys.Queued, job.Id);
        if (delay > TimeSpan.Zero)
        {
            // Rounded up: a retry must never run before its delay has passed.
            var at = (long)Math.Ceiling((now + delay.TotalMilliseconds) / 1000.0);
            _ = transaction.SortedSetAddAsync(_keys.Incomplete, job.Id, at);
        }
        else
        {
            // Score 0, not the job's own (past) scheduled time as SAQ writes: an id both queued and with a score in
            // [1, now] would be pushed a second time by the next schedule round, and run twice.
            _ = transaction.SortedSetAddAsync(_keys.Incomplete, job.Id, 0);
            _ = transaction.ListRightPushAsync(_keys.Queued, job.Id);
        }

        IndexFinished(transaction, job, null);
        RecordHistory(transaction, "retried", now);
        _ = transaction.StringSetAsync(job.Id, JobDocument.Serialize(job));
        _ = transaction.PublishAsync(RedisChannel.Literal(job.Id), "queued");
        return ExecuteAsync(transaction);
    }

    // Errand's index of finished jobs: the job is in the set of its status (when kept) and in no other.
    private void IndexFinished(ITransaction transaction, Job job, JobStatus? status)
    {
        foreach (var finished in (ReadOnlySpan<JobStatus>)[JobStatus.Complete, JobStatus.Failed, JobStatus.Aborted])
        {
            if (finished == status)
            {
                _ = transaction.SortedSetAddAsync(_keys.Finished(finished), job.Id, job.Completed);
            }
            else
            {
                _ = transaction.SortedSetRemoveAsync(_keys.Finished(finished), job.Id);
            }
        }
    }

    private void RecordHistory(ITransaction transaction, string field, long nowMs)
    {
        var key = _keys.History(nowMs / MsPerMinute);
        _ = transaction.HashIncrementAsync(key, field);
        _ = transaction.KeyExpireAsync(key, HistoryKeyTtl);
    }

    private async Task<byte[]?> WriteUnlessAbortingAsync(Job job) =>
        (byte[]?)await _db.ScriptEvaluateAsync(
            RedisScripts.Update,
            [job.Id],
            [JobDocument.Serialize(job), job.Status.ToWire()]).ConfigureAwait(false);

    private async Task ExecuteAsync(ITransaction transaction)
    {
        try
        {
            await transaction.ExecuteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }
}
