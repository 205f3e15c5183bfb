using Errand.Backends;
using Npgsql;
using NpgsqlTypes;

namespace Errand.Postgres;

/// <content>Enqueue: one statement that inserts the jobs, or overwrites finished jobs of the same keys, and notifies; enqueues made together share it, in call order.</content>
public sealed partial class PostgresQueueBackend
{
    // Jobs per statement at most; more wait for the next one.
    private const int MaxEnqueueBatch = 1000;

    // In call order, so that jobs enqueued together are taken in that order.
    private readonly KeyedBatches<PendingEnqueue> _enqueues = new(p => p.Job.Key, MaxEnqueueBatch, inOrder: true);

    /// <inheritdoc />
    /// <remarks>
    /// The row is inserted, or a stored row of the key is overwritten when its job has finished (or is aborting with no
    /// live abort marker); else the stored job is returned. A new ready job wakes idle workers with SAQ's
    /// <c>NOTIFY "saq:QUEUE", 'saq:enqueue'</c>, delivered at commit. Enqueues started while a statement is on its way go
    /// together in the next one (one statement for all, each key once), in the order they were made, so that they are
    /// taken in that order.
    /// </remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<EnqueueResult> EnqueueAsync(Job job, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var pending = CreatePending(job, NowMs);
        if (_enqueues.Add(pending))
        {
            await FlushEnqueuesAsync().ConfigureAwait(false);
        }

        return await pending.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    // Sends what is pending, one round trip; hands what came meanwhile to the next flush, off this caller's path.
    private async Task FlushEnqueuesAsync()
    {
        // Each key once per statement: a second enqueue of a key waits for the next, and meets the first's job.
        var batch = _enqueues.Take();

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

        if (_enqueues.Sent())
        {
            _ = Task.Run(FlushEnqueuesAsync);
        }
    }

    // Marks the job queued and computes its columns.
    private static PendingEnqueue CreatePending(Job job, long nowMs)
    {
        var nowSeconds = Seconds(nowMs);
        job.Status = JobStatus.Queued;
        job.Queued = nowMs;
        var future = job.Scheduled > nowSeconds;
        var scheduled = job.Scheduled > 0 ? job.Scheduled : nowSeconds;
        return new PendingEnqueue(job, JobDocument.Serialize(job), (short)Math.Clamp(job.Priority, short.MinValue, short.MaxValue), scheduled, nowMs, future);
    }

    private async Task SendEnqueuesAsync(List<PendingEnqueue> batch)
    {
        var connection = await OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);

        // Not cancelled: once sent, every caller's outcome is read.
        var (results, readyAny) = await WriteEnqueuesAsync(connection, null, batch, CancellationToken.None).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Result.TrySetResult(results[i]);
        }

        SignalLocalReady(future: !readyAny);
    }

    // The one enqueue statement, on the given connection (and in the given transaction): each key at most once in a batch.
    private async Task<(List<EnqueueResult> Results, bool ReadyAny)> WriteEnqueuesAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, List<PendingEnqueue> batch, CancellationToken cancellationToken)
    {
        // The stored rows are read as the statement began (every part of one statement sees the same snapshot): a
        // caller whose job was not enqueued gets the job that held the key.
        var sql = $"""
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::bytea[], $3::smallint[], $4::text[], $5::bigint[], $6::boolean[], $7::bigint[])
                    WITH ORDINALITY AS i(key, job, priority, group_key, scheduled, future, now_ms, n)),
            stored AS (
                SELECT s.key, s.queue, s.job, s.status FROM {_tables.Jobs} AS s JOIN input AS i ON s.key = i.key),
            inserted AS (
                INSERT INTO {_tables.Jobs} AS j (key, job, queue, status, priority, group_key, scheduled, expire_at)
                SELECT i.key, i.job, $8, 'queued', i.priority, i.group_key, i.scheduled, NULL
                FROM input AS i
                WHERE NOT EXISTS (SELECT 1 FROM {_tables.Aborts} AS a WHERE a.key = i.key AND a.expires_at_ms > i.now_ms)
                ORDER BY i.n
                ON CONFLICT (key) DO UPDATE SET
                    job = EXCLUDED.job, queue = EXCLUDED.queue, status = 'queued', priority = EXCLUDED.priority,
                    group_key = EXCLUDED.group_key, scheduled = EXCLUDED.scheduled, expire_at = NULL
                WHERE j.status IN ('aborted', 'complete', 'failed', 'aborting')
                RETURNING j.key),
            enqueued AS (
                SELECT i.* FROM input AS i JOIN inserted AS x ON x.key = i.key),
            unfinished AS (
                DELETE FROM {_tables.Finished} AS f USING enqueued AS e WHERE f.key = e.key),
            due AS (
                INSERT INTO {_tables.Due} (key, queue, scheduled)
                SELECT e.key, $8, e.scheduled FROM enqueued AS e WHERE e.future
                ON CONFLICT (key) DO UPDATE SET queue = EXCLUDED.queue, scheduled = EXCLUDED.scheduled),
            notified AS (
                SELECT pg_notify($9, string_agg(l.line, E'\n' ORDER BY l.n))
                FROM (SELECT e.n, 'queued ' || e.key AS line, sum(octet_length(e.key) + 8) OVER (ORDER BY e.n) / {SqlPayloadBytes} AS part
                      FROM enqueued AS e) AS l
                GROUP BY l.part),
            woken AS (
                SELECT pg_notify($10, 'saq:enqueue') FROM (SELECT 1 FROM enqueued WHERE NOT future LIMIT 1) AS ready)
            SELECT EXISTS (SELECT 1 FROM inserted AS x WHERE x.key = i.key), s.queue, s.job, s.status,
                (SELECT count(*) FROM notified) + (SELECT count(*) FROM woken)
            FROM input AS i LEFT JOIN stored AS s ON s.key = i.key
            ORDER BY i.n
            """;
        ReadyRowsMayHaveChanged();
        using var command = new NpgsqlBatch(connection, transaction);
        command.BatchCommands.Add(Command(
            sql,
            ArrayParameter(batch.Select(p => p.Job.Key), NpgsqlDbType.Text),
            ArrayParameter(batch.Select(p => p.Document), NpgsqlDbType.Bytea),
            ArrayParameter(batch.Select(p => p.Priority), NpgsqlDbType.Smallint),
            ArrayParameter(batch.Select(p => p.Job.GroupKey), NpgsqlDbType.Text),
            ArrayParameter(batch.Select(p => p.Scheduled), NpgsqlDbType.Bigint),
            ArrayParameter(batch.Select(p => p.Future), NpgsqlDbType.Boolean),
            ArrayParameter(batch.Select(p => p.NowMs), NpgsqlDbType.Bigint),
            QueueName,
            _errandChannel,
            _saqChannel));

        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var results = new List<EnqueueResult>(batch.Count);
        var readyAny = false;
        foreach (var pending in batch)
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
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
        }

        return (results, readyAny);
    }
}
