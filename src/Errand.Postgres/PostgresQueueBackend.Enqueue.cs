using Errand.Backends;
using Npgsql;

namespace Errand.Postgres;

/// <content>Enqueue: one statement per job that inserts, or overwrites a finished job of the same key, and notifies; enqueues made together share a round trip, in call order.</content>
public sealed partial class PostgresQueueBackend
{
    // Statements per round trip at most; more wait for the next one.
    private const int MaxEnqueueBatch = 500;

    private readonly Lock _enqueueLock = new();
    private List<PendingEnqueue> _pendingEnqueues = [];
    private bool _flushingEnqueues;

    /// <inheritdoc />
    /// <remarks>
    /// One statement: the row is inserted, or a stored row of the key is overwritten when its job has finished (or is
    /// aborting with no live abort marker); else the stored job is returned. A new ready job wakes idle workers with
    /// SAQ's <c>NOTIFY "saq:QUEUE", 'saq:enqueue'</c>, delivered at commit. Enqueues started while a round trip is on
    /// its way go together in the next one, in the order they were made, so that they are taken in that order.
    /// </remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<EnqueueResult> EnqueueAsync(Job job, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var nowMs = NowMs;
        var nowSeconds = Seconds(nowMs);
        job.Status = JobStatus.Queued;
        job.Queued = nowMs;
        var future = job.Scheduled > nowSeconds;
        var scheduled = job.Scheduled > 0 ? job.Scheduled : nowSeconds;
        var pending = new PendingEnqueue(
            job,
            [job.Key, JobDocument.Serialize(job), QueueName, (short)Math.Clamp(job.Priority, short.MinValue, short.MaxValue), job.GroupKey, scheduled, nowMs, future, _errandChannel, _saqChannel],
            future);
        bool flush;
        lock (_enqueueLock)
        {
            _pendingEnqueues.Add(pending);
            flush = !_flushingEnqueues;
            _flushingEnqueues = true;
        }

        if (flush)
        {
            await FlushEnqueuesAsync().ConfigureAwait(false);
        }

        return await pending.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    // Sends what is pending, one round trip; hands what came meanwhile to the next flush, off this caller's path.
    private async Task FlushEnqueuesAsync()
    {
        List<PendingEnqueue> batch;
        lock (_enqueueLock)
        {
            if (_pendingEnqueues.Count <= MaxEnqueueBatch)
            {
                (batch, _pendingEnqueues) = (_pendingEnqueues, []);
            }
            else
            {
                batch = _pendingEnqueues[..MaxEnqueueBatch];
                _pendingEnqueues.RemoveRange(0, MaxEnqueueBatch);
            }
        }

        try
        {
            await SendEnqueuesAsync(batch).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var error = IsUnavailable(ex) ? Unavailable(ex) : ex;
            foreach (var pending in batch)
            {
                pending.Result.TrySetException(error);
            }
        }

        lock (_enqueueLock)
        {
            if (_pendingEnqueues.Count == 0)
            {
                _flushingEnqueues = false;
                return;
            }
        }

        _ = Task.Run(FlushEnqueuesAsync);
    }

    private async Task SendEnqueuesAsync(List<PendingEnqueue> batch)
    {
        var sql = $"""
            WITH inserted AS (
                INSERT INTO {_tables.Jobs} AS j (key, job, queue, status, priority, group_key, scheduled, expire_at)
                SELECT $1, $2, $3, 'queued', $4, $5, $6, NULL
                WHERE NOT EXISTS (SELECT 1 FROM {_tables.Aborts} WHERE key = $1 AND expires_at_ms > $7)
                ON CONFLICT (key) DO UPDATE SET
                    job = EXCLUDED.job, queue = EXCLUDED.queue, status = 'queued', priority = EXCLUDED.priority,
                    group_key = EXCLUDED.group_key, scheduled = EXCLUDED.scheduled, expire_at = NULL
                WHERE j.status IN ('aborted', 'complete', 'failed', 'aborting')
                RETURNING 1),
            unfinished AS (
                DELETE FROM {_tables.Finished} WHERE key = $1 AND EXISTS (SELECT 1 FROM inserted)),
            due AS (
                INSERT INTO {_tables.Due} (key, queue, scheduled)
                SELECT $1, $3, $6 FROM inserted WHERE $8
                ON CONFLICT (key) DO UPDATE SET queue = EXCLUDED.queue, scheduled = EXCLUDED.scheduled),
            notified AS (
                SELECT pg_notify($9, 'queued ' || $1) AS a, CASE WHEN NOT $8 THEN pg_notify($10, 'saq:enqueue') END AS b
                FROM inserted)
            SELECT (SELECT count(*) FROM notified) > 0, s.queue, s.job, s.status
            FROM (SELECT 1) AS one LEFT JOIN {_tables.Jobs} AS s ON s.key = $1
            """;
        var connection = await OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        using var command = new NpgsqlBatch(connection);
        foreach (var pending in batch)
        {
            command.BatchCommands.Add(Command(sql, pending.Values));
        }

        // Not cancelled: once sent, every caller's outcome is read.
        var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var results = new List<EnqueueResult>(batch.Count);
        var readyAny = false;
        foreach (var pending in batch)
        {
            await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            var job = pending.Job;
            if (reader.GetBoolean(0))
            {
                readyAny |= !pending.Future;
                results.Add(new EnqueueResult(job, Enqueued: true));
            }
            else
            {
                // The stored job that holds the key, as it was when the statement began.
                var stored = reader.IsDBNull(1) ? null : new StoredRow(job.Key, QueueName, reader.GetFieldValue<byte[]>(2), ParseStatus(reader.GetString(3)));
                results.Add(new EnqueueResult(stored is null ? job : TryReadJob(stored) ?? job, Enqueued: false));
            }

            await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false);
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Result.TrySetResult(results[i]);
        }

        SignalLocalReady(future: !readyAny);
    }
}
