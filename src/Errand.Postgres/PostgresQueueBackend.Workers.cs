using System.Text;
using Errand.Backends;
using Npgsql;
using NpgsqlTypes;

namespace Errand.Postgres;

/// <content>Worker info: SAQ's <c>saq_stats</c> rows, alive until their <c>expire_at</c>.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <remarks>Upserts the worker's <c>saq_stats</c> row (<c>stats</c>, <c>queue_key</c> = the queue name, <c>metadata</c>) with <c>expire_at</c> = now + <paramref name="ttl"/>, in epoch seconds rounded up.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is not positive.</exception>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task WriteWorkerInfoAsync(WorkerInfo info, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentException.ThrowIfNullOrEmpty(info.WorkerId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        var document = Encoding.UTF8.GetString(WorkerInfoDocument.Serialize(info));
        var expireAt = -Seconds(-(NowMs + (long)Math.Ceiling(ttl.TotalMilliseconds)));
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var batch = new NpgsqlBatch(connection);
            var upsert = new NpgsqlBatchCommand($"""
                INSERT INTO {_tables.Stats} (worker_id, stats, queue_key, metadata, expire_at)
                SELECT $1, d -> 'stats', d ->> 'queue_key', NULLIF(d -> 'metadata', 'null'::jsonb), $3 FROM (SELECT $2::jsonb AS d) AS doc
                ON CONFLICT (worker_id) DO UPDATE SET
                    stats = EXCLUDED.stats, queue_key = EXCLUDED.queue_key, metadata = EXCLUDED.metadata, expire_at = EXCLUDED.expire_at
                """);
            upsert.Parameters.Add(new NpgsqlParameter { Value = info.WorkerId });
            upsert.Parameters.Add(new NpgsqlParameter { Value = document, NpgsqlDbType = NpgsqlDbType.Text });
            upsert.Parameters.Add(new NpgsqlParameter { Value = expireAt });
            batch.BatchCommands.Add(upsert);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task RemoveWorkerInfoAsync(string workerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workerId);
        await ExecuteAsync($"DELETE FROM {_tables.Stats} WHERE worker_id = $1", cancellationToken, workerId).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>The workers whose row names this queue (<c>queue_key</c>) and has not expired, by worker id.</remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<IReadOnlyList<WorkerInfo>> GetWorkersAsync(CancellationToken cancellationToken)
    {
        var workers = new List<WorkerInfo>();
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(Command(
                $"""
                SELECT worker_id, jsonb_build_object('stats', stats, 'queue_key', queue_key, 'metadata', metadata)::text
                FROM {_tables.Stats} WHERE queue_key = $1 AND expire_at > $2 ORDER BY worker_id
                """,
                QueueName,
                Seconds(NowMs)));
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (WorkerInfoDocument.Deserialize(reader.GetString(0), Encoding.UTF8.GetBytes(reader.GetString(1))) is { } info)
                {
                    workers.Add(info);
                }
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        return workers;
    }
}
