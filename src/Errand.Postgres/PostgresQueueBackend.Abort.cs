using Errand.Backends;

namespace Errand.Postgres;

/// <content>Abort, an operator's requeue, and the abort marker: each decided on the locked row.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// A job no worker holds (queued, scheduled, waiting for a retry) ends aborted at once. An active job becomes
    /// <c>aborting</c>, and an abort marker (Errand's <c>errand_aborts</c>) keeps its key from being enqueued again
    /// until <see cref="ClearAbortAsync"/> or <see cref="PostgresBackendOptions.AbortMarkerTtl"/>. A finished job is left as it is.
    /// </remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public Task<AbortResult> AbortAsync(Job job, string reason, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        ArgumentNullException.ThrowIfNull(reason);
        return WithLockedRowAsync(
            job.Key,
            (row, writes) =>
            {
                if (row is null || !string.Equals(row.Queue, QueueName, StringComparison.Ordinal) || TryReadJob(row) is not { } current)
                {
                    return AbortResult.NotFound;
                }

                if (current.Status.IsFinished())
                {
                    CopyOutcome(current, job);
                    return AbortResult.AlreadyFinished;
                }

                var nowMs = NowMs;
                var running = current.Status == JobStatus.Active;
                current.Status = JobStatus.Aborting;
                current.Error = reason;
                writes.Changed(job.Key, JobStatus.Aborting);
                if (running)
                {
                    writes.Row(current, JobStatus.Aborting, null, null);
                    writes.AbortMarker(job.Key, nowMs + (long)_options.AbortMarkerTtl.TotalMilliseconds);
                    writes.Cleared(job.Key);
                }
                else
                {
                    StoreFinish(current, JobStatus.Aborted, nowMs, writes);
                }

                CopyOutcome(current, job);
                return running ? AbortResult.Aborting : AbortResult.Aborted;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public Task<Job?> RequeueAsync(string key, bool force, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return WithLockedRowAsync(
            key,
            (row, writes) =>
            {
                if (row is null || !string.Equals(row.Queue, QueueName, StringComparison.Ordinal) || TryReadJob(row) is not { } current)
                {
                    return null;
                }

                if (!force && !current.Status.IsFinished())
                {
                    throw new JobNotRetryableException(key, current.Status);
                }

                StoreRequeue(current, TimeSpan.Zero, NowMs, writes);
                return current;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task ClearAbortAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        await ExecuteAsync($"DELETE FROM {_tables.Aborts} WHERE key = $1", cancellationToken, key).ConfigureAwait(false);
    }

    private static void CopyOutcome(Job from, Job to)
    {
        to.Status = from.Status;
        to.Error = from.Error;
        to.Completed = from.Completed;
    }

    /// <summary>Runs one statement on a pooled connection.</summary>
    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object?[] values)
    {
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var batch = new Npgsql.NpgsqlBatch(connection);
            batch.BatchCommands.Add(Command(sql, values));
            return await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }
}
