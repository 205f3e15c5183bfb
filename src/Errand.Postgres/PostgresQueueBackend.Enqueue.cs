using Errand.Backends;
using Npgsql;

namespace Errand.Postgres;

/// <content>Enqueue: one statement that inserts, or overwrites a finished job of the same key, and notifies.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// One statement: the row is inserted, or a stored row of the key is overwritten when its job has finished (or is
    /// aborting with no live abort marker); else the stored job is returned. A new ready job wakes idle workers with
    /// SAQ's <c>NOTIFY "saq:QUEUE", 'saq:enqueue'</c>, delivered at commit.
    /// </remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<EnqueueResult> EnqueueAsync(Job job, CancellationToken cancellationToken)
    {
        EnsureOwnJob(job);
        var nowMs = NowMs;
        var nowSeconds = Seconds(nowMs);
        job.Status = JobStatus.Queued;
        job.Queued = nowMs;
        var future = job.Scheduled > nowSeconds;
        var scheduled = job.Scheduled > 0 ? job.Scheduled : nowSeconds;
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
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(sql, connection);
            foreach (var value in (object?[])[job.Key, JobDocument.Serialize(job), QueueName, (short)Math.Clamp(job.Priority, short.MinValue, short.MaxValue), job.GroupKey, scheduled, nowMs, future, _errandChannel, _saqChannel])
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }

            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);

            await using var readerScope = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reader.GetBoolean(0))
            {
                SignalLocalReady(future);
                return new EnqueueResult(job, Enqueued: true);
            }

            // The stored job that holds the key, as it was when the statement began.
            var stored = reader.IsDBNull(1) ? null : new StoredRow(job.Key, reader.GetString(1), reader.GetFieldValue<byte[]>(2), ParseStatus(reader.GetString(3)));
            return new EnqueueResult(stored is null ? job : TryReadJob(stored with { Queue = QueueName }) ?? job, Enqueued: false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }
}
