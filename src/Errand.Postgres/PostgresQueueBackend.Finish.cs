using Errand.Backends;

namespace Errand.Postgres;

/// <content>Update (the heartbeat), finish and retry: each decided on the locked row, by the attempt that writes.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public Task UpdateAsync(Job job, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        return WithLockedRowAsync(
            job.Key,
            (row, writes) =>
            {
                var nowMs = NowMs;
                job.Touched = nowMs;
                if (row is null || TryReadJob(row) is not { } stored)
                {
                    return false;
                }

                var storedStatus = row.Status ?? stored.Status;
                if (job.Status is JobStatus.Active or JobStatus.Aborting && !AttemptRules.IsCurrent(AttemptStatus(row) ?? stored.Status, stored.Attempts, job.Attempts))
                {
                    // A stale attempt's heartbeat: the job is another attempt's now, or gone.
                    return false;
                }

                if (job.Status == JobStatus.Active && storedStatus == JobStatus.Aborting)
                {
                    job.Status = JobStatus.Aborting;
                }

                // A copy that says queued while the row is taken (an attempt's state before its active mark) leaves the
                // row taken: the status column says who holds the job, the document what the worker wrote.
                var column = job.Status == JobStatus.Queued && storedStatus is JobStatus.Active or JobStatus.Aborting ? storedStatus : job.Status;
                var document = writes.Row(job, column, null, null);
                writes.Changed(job.Key, job.Status);
                if (column is JobStatus.Active or JobStatus.Aborting)
                {
                    RememberWritten(job, document, column);
                }

                return true;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not complete, failed or aborted.</exception>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task FinishAsync(Job job, JobStatus status, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        if (!status.IsFinished())
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A job finishes as complete, failed or aborted.");
        }

        // Mostly the row is as this backend wrote it at the take or the last heartbeat: one statement finishes it.
        if (await TryFinishAsWrittenAsync(job, status, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        ForgetWritten(job);
        await WithLockedRowAsync(
            job.Key,
            (row, writes) =>
            {
                if (!IsCurrentAttempt(row, job))
                {
                    return false;
                }

                if (job.Ttl >= 0)
                {
                    writes.Attempt(job, status, NowMs);
                }

                StoreFinish(job, status, NowMs, writes);
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public Task RetryAsync(Job job, TimeSpan delay, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ForgetWritten(job);
        return WithLockedRowAsync(
            job.Key,
            (row, writes) =>
            {
                if (!IsCurrentAttempt(row, job))
                {
                    return false;
                }

                writes.Attempt(job, JobStatus.Queued, NowMs);
                StoreRequeue(job, delay, NowMs, writes);
                return true;
            },
            cancellationToken);
    }

    private bool IsCurrentAttempt(StoredRow? row, Job job) =>
        row is not null
        && string.Equals(row.Queue, QueueName, StringComparison.Ordinal)
        && TryReadJob(row) is { } stored
        && AttemptRules.IsCurrent(AttemptStatus(row) ?? stored.Status, stored.Attempts, job.Attempts);

    // The status an attempt is judged by: the column, except for a taken row whose document still says queued (an
    // attempt's copy written before its active mark), which is judged as the document says, as on Redis.
    private static JobStatus? AttemptStatus(StoredRow row) =>
        row.Status == JobStatus.Active && JobDocument.ReadStatus(row.Document) == JobStatus.Queued ? JobStatus.Queued : row.Status;

    /// <summary>Queues <paramref name="job"/> again, now or after <paramref name="delay"/>, and counts a retry.</summary>
    private static void StoreRequeue(Job job, TimeSpan delay, long nowMs, RowWrites writes)
    {
        job.Status = JobStatus.Queued;
        job.Completed = 0;
        job.Started = 0;
        job.Progress = 0;
        job.Touched = nowMs;
        var delayed = delay > TimeSpan.Zero;

        // Rounded up: a job is never ready before its delay has passed.
        var scheduled = delayed ? -Seconds(-(nowMs + (long)Math.Ceiling(delay.TotalMilliseconds))) : Seconds(nowMs);
        writes.Row(job, JobStatus.Queued, scheduled, null);
        writes.Unfinished(job.Key);
        writes.Cleared(job.Key);
        if (delayed)
        {
            writes.Due(job.Key, scheduled);
        }
        else
        {
            writes.NotDue(job.Key);
        }

        writes.Outcome(JobStatus.Queued, nowMs);
        writes.Changed(job.Key, JobStatus.Queued);
        if (!delayed)
        {
            writes.WakeIdle();
        }
    }

    /// <summary>Ends <paramref name="job"/> as <paramref name="status"/>: kept for its TTL (expire_at), or deleted when the TTL is negative.</summary>
    private static void StoreFinish(Job job, JobStatus status, long nowMs, RowWrites writes)
    {
        job.Status = status;
        job.Completed = nowMs;
        if (status == JobStatus.Complete)
        {
            job.Progress = 1.0;
        }

        if (job.Ttl < 0)
        {
            writes.Delete(job.Key);
            writes.Unfinished(job.Key);
        }
        else
        {
            writes.Row(job, status, null, job.Ttl > 0 ? Seconds(nowMs) + job.Ttl : null);
            writes.Finished(job.Key, status, nowMs);
        }

        writes.Cleared(job.Key);
        writes.NotDue(job.Key);
        writes.Outcome(status, nowMs);
        writes.Changed(job.Key, status);
    }
}
