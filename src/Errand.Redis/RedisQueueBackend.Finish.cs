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
            if (stored.Resp2Type == ResultType.BulkString && (byte[]?)stored is { } document)
            {
                // An abort was requested since the worker read the job: keep it, and tell the caller.
                job.Status = JobStatus.Aborting;
                job.Error = JobDocument.Deserialize(document, job.Key, QueueName).Error;
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

        var written = _written.TryRemove(job, out var last) ? last : default;
        var pending = new PendingFinish(
            written.Id ?? _keys.JobId(job.Key),
            _keys.History(job.Completed / MsPerMinute),
            _keys.HourlyHistory(job.Completed / MsPerHour),
            _keys.Attempts(job.Key),
            job.Ttl >= 0 && !(status == JobStatus.Complete && job.Attempts == 1) ? AttemptRecord.Serialize(JobAttempt.Of(job, status, job.Completed)) : [],
            job.Ttl,
            status.ToWire(),
            job.Ttl >= 0 ? JobDocument.Serialize(job) : [],
            job.Completed,
            job.Attempts,
            written.Document);
        return AddFinish(pending);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task RetryAsync(Job job, TimeSpan delay, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        cancellationToken.ThrowIfCancellationRequested();
        await SendPending().ConfigureAwait(false);
        _written.TryRemove(job, out _);
        try
        {
            // Read, checked and written only if unchanged: a retry of a stale attempt (swept, taken again) stores nothing.
            for (var round = 0; ; round++)
            {
                if (await ReadForChangeAsync(_keys.JobId(job.Key), round).ConfigureAwait(false) is not { } read
                    || !AttemptRules.IsCurrent(read.Job.Status, read.Job.Attempts, job.Attempts))
                {
                    return;
                }

                if (await ChangeAsync(read.Raw, job, JobStatus.Queued, delay, endsAttempt: true).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    // SAQ's retry, after the id left the active and queued lists.
    private void WriteRetry(ITransaction transaction, Job job, TimeSpan delay, long now, bool endsAttempt)
    {
        if (endsAttempt)
        {
            // The job lives on without a ttl: so does its list of attempts (a finish gives both the job's ttl).
            var attempts = _keys.Attempts(job.Key);
            _ = transaction.ListRightPushAsync(attempts, AttemptRecord.Serialize(JobAttempt.Of(job, JobStatus.Queued, now)));
            _ = transaction.ListTrimAsync(attempts, -JobAttempt.MaxKept, -1);
            _ = transaction.KeyPersistAsync(attempts);

            // Retrying until it finishes: in Errand's set, in the transaction that writes the retry.
            _ = transaction.SetAddAsync(_keys.Retrying, _keys.JobId(job.Key));
        }

        job.Status = JobStatus.Queued;
        job.Completed = 0;
        job.Started = 0;
        job.Progress = 0;
        job.Touched = now;
        if (delay > TimeSpan.Zero)
        {
            // Rounded up: a retry must never run before its delay has passed.
            var at = (long)Math.Ceiling((now + delay.TotalMilliseconds) / 1000.0);
            _ = transaction.SortedSetAddAsync(_keys.Incomplete, _keys.JobId(job.Key), at);
        }
        else
        {
            // Score 0, not the job's own (past) scheduled time as SAQ writes: an id both queued and with a score in
            // [1, now] would be pushed a second time by the next schedule round, and run twice.
            _ = transaction.SortedSetAddAsync(_keys.Incomplete, _keys.JobId(job.Key), 0);
            _ = transaction.ListRightPushAsync(_keys.Queued, _keys.JobId(job.Key));
        }

        IndexFinished(transaction, job, null);
        RecordHistory(transaction, "retried", now);
        _ = transaction.StringSetAsync(_keys.JobId(job.Key), JobDocument.Serialize(job));
        _ = transaction.PublishAsync(RedisChannel.Literal(_keys.JobId(job.Key)), "queued");
    }

    // SAQ's finish, after the id left the active and queued lists; the worker's finishes go in the cycle script instead.
    private void WriteFinish(ITransaction transaction, Job job, JobStatus status, long now, bool endsAttempt)
    {
        var attempts = _keys.Attempts(job.Key);
        if (endsAttempt && job.Ttl >= 0)
        {
            _ = transaction.ListRightPushAsync(attempts, AttemptRecord.Serialize(JobAttempt.Of(job, status, now)));
            _ = transaction.ListTrimAsync(attempts, -JobAttempt.MaxKept, -1);
        }

        job.Status = status;
        job.Completed = now;
        if (status == JobStatus.Complete)
        {
            job.Progress = 1.0;
        }

        // The list of attempts lives as the document does.
        if (job.Ttl < 0)
        {
            _ = transaction.KeyDeleteAsync(attempts);
        }
        else if (job.Ttl > 0)
        {
            _ = transaction.KeyExpireAsync(attempts, TimeSpan.FromSeconds(job.Ttl));
        }
        else
        {
            _ = transaction.KeyPersistAsync(attempts);
        }

        _ = transaction.SortedSetRemoveAsync(_keys.Incomplete, _keys.JobId(job.Key));
        _ = transaction.SetRemoveAsync(_keys.Retrying, _keys.JobId(job.Key));
        if (job.Ttl < 0)
        {
            _ = transaction.KeyDeleteAsync(_keys.JobId(job.Key));
        }
        else if (job.Ttl > 0)
        {
            _ = transaction.StringSetAsync(_keys.JobId(job.Key), JobDocument.Serialize(job), TimeSpan.FromSeconds(job.Ttl));
        }
        else
        {
            _ = transaction.StringSetAsync(_keys.JobId(job.Key), JobDocument.Serialize(job));
        }

        IndexFinished(transaction, job, job.Ttl < 0 ? null : status);
        if (job.Ttl > 0)
        {
            // Its own entry in the expiry index: the sweep's prune takes the id out of the finished index when it expires.
            _ = transaction.SortedSetAddAsync(_keys.FinishedExpiry, _keys.JobId(job.Key), now + (job.Ttl * 1000L));
        }

        RecordHistory(transaction, status.ToWire(), now);
        _ = transaction.PublishAsync(RedisChannel.Literal(_keys.JobId(job.Key)), status.ToWire());
    }

    // Errand's index of finished jobs: the job is in the set of its status (when kept) and in no other.
    private void IndexFinished(ITransaction transaction, Job job, JobStatus? status)
    {
        foreach (var finished in (ReadOnlySpan<JobStatus>)[JobStatus.Complete, JobStatus.Failed, JobStatus.Aborted])
        {
            if (finished == status)
            {
                _ = transaction.SortedSetAddAsync(_keys.Finished(finished), _keys.JobId(job.Key), job.Completed);
            }
            else
            {
                _ = transaction.SortedSetRemoveAsync(_keys.Finished(finished), _keys.JobId(job.Key));
            }
        }
    }

    private void RecordHistory(ITransaction transaction, string field, long nowMs)
    {
        var key = _keys.History(nowMs / MsPerMinute);
        _ = transaction.HashIncrementAsync(key, field);
        _ = transaction.KeyExpireAsync(key, HistoryKeyTtl);
        var hour = _keys.HourlyHistory(nowMs / MsPerHour);
        _ = transaction.HashIncrementAsync(hour, field);
        _ = transaction.KeyExpireAsync(hour, HourlyHistoryKeyTtl);
    }

    // A running job's update names its attempt, so that a stale attempt's heartbeat stores nothing; what it writes is
    // remembered for its finish's check.
    private async Task<RedisResult> WriteUnlessAbortingAsync(Job job)
    {
        var document = JobDocument.Serialize(job);
        var result = await EvaluateAsync(
            RedisScripts.Update,
            [_keys.JobId(job.Key)],
            [document, job.Status.ToWire(), job.Status is JobStatus.Active or JobStatus.Aborting ? job.Attempts : RedisValue.EmptyString]).ConfigureAwait(false);
        if (result.IsNull && _written.TryGetValue(job, out var before))
        {
            _written.TryUpdate(job, (before.Id, document), before);
        }

        return result;
    }

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
