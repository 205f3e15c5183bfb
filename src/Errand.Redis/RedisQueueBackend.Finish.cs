using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Update, finish and retry: SAQ's transactions, with the publish inside them to save a round trip; finishes batched in one script.</content>
public sealed partial class RedisQueueBackend
{
    private const int MaxFinishBatch = 200;
    private readonly Lock _finishLock = new();
    private List<PendingFinish> _finishQueue = [];
    private bool _finishing;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task UpdateAsync(Job job, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        cancellationToken.ThrowIfCancellationRequested();
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
        bool flush;
        lock (_finishLock)
        {
            _finishQueue.Add(pending);
            flush = !_finishing;
            _finishing = true;
        }

        if (flush)
        {
            // Started from the thread pool's queue, not here: the caller is often a loop that ends several jobs in a
            // row (a worker's batch of no-op jobs), and they all go in this batch instead of the first going alone.
            ThreadPool.UnsafeQueueUserWorkItem(static backend => _ = backend.FlushFinishesAsync(), this, preferLocal: false);
        }

        return pending.Done.Task;
    }

    // Finishes go out in batches: the first at once, and those that come while a batch is on its way together in the
    // next one, as one script call. Under load that is one round trip for many jobs; alone, no wait is added.
    private async Task FlushFinishesAsync()
    {
        while (true)
        {
            List<PendingFinish> batch;
            lock (_finishLock)
            {
                if (_finishQueue.Count == 0)
                {
                    _finishing = false;
                    return;
                }

                if (_finishQueue.Count <= MaxFinishBatch)
                {
                    batch = _finishQueue;
                    _finishQueue = [];
                }
                else
                {
                    batch = _finishQueue[..MaxFinishBatch];
                    _finishQueue.RemoveRange(0, MaxFinishBatch);
                }
            }

            var keys = new RedisKey[5 + (batch.Count * 2)];
            var values = new RedisValue[1 + (batch.Count * 4)];
            keys[0] = _keys.Active;
            keys[1] = _keys.Incomplete;
            keys[2] = _keys.FinishedComplete;
            keys[3] = _keys.FinishedFailed;
            keys[4] = _keys.FinishedAborted;
            values[0] = (long)HistoryKeyTtl.TotalSeconds;
            for (var i = 0; i < batch.Count; i++)
            {
                var finish = batch[i];
                keys[5 + (2 * i)] = finish.Id;
                keys[6 + (2 * i)] = finish.History;
                values[1 + (4 * i)] = finish.Ttl;
                values[2 + (4 * i)] = finish.Status;
                values[3 + (4 * i)] = finish.Document;
                values[4 + (4 * i)] = finish.Completed;
            }

            try
            {
                await _db.ScriptEvaluateAsync(RedisScripts.Finish, keys, values).ConfigureAwait(false);
                foreach (var finish in batch)
                {
                    finish.Done.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                var error = IsUnavailable(ex) ? Unavailable(ex) : ex;
                foreach (var finish in batch)
                {
                    finish.Done.TrySetException(error);
                }
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public Task RetryAsync(Job job, TimeSpan delay, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        cancellationToken.ThrowIfCancellationRequested();
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
