using Errand.Backends;
using Npgsql;
using NpgsqlTypes;

namespace Errand.Postgres;

/// <content>The read side: jobs by key, counts and pages.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<Job?> GetJobAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var rows = await ReadRowsAsync([key], cancellationToken).ConfigureAwait(false);
        return rows.TryGetValue(key, out var row) ? ReadJob(row) : null;
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<IReadOnlyList<Job?>> GetJobsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var rows = keys.Count == 0 ? [] : await ReadRowsAsync(keys, cancellationToken).ConfigureAwait(false);
        var jobs = new Job?[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            jobs[i] = rows.TryGetValue(keys[i], out var row) ? TryReadJob(row) : null;
        }

        return jobs;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Queued counts ready rows (<c>scheduled</c> passed), scheduled the queued rows still waiting; an <c>aborting</c> job
    /// is in neither. Retrying counts the queued or active rows whose last ended attempt (by its end, then its number:
    /// a job enqueued again under a finished one's key overwrites its rows from attempt 1) was retried: read from the
    /// partial index of retried attempts (<c>errand_attempts_retried_idx</c>), so it reads only jobs that were retried.
    /// </remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<QueueCounts> CountAsync(CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT count(*) FILTER (WHERE status = 'queued' AND scheduled <= $2),
                   count(*) FILTER (WHERE status = 'active'),
                   count(*) FILTER (WHERE status = 'queued' AND scheduled > $2),
                   (SELECT count(*) FROM {_tables.Attempts} AS r JOIN {_tables.Jobs} AS j ON j.key = r.key
                    WHERE r.queue = $1 AND r.status = 'queued' AND j.status IN ('queued', 'active')
                    AND NOT EXISTS (SELECT 1 FROM {_tables.Attempts} AS l WHERE l.key = r.key AND (l.ended_ms, l.attempt) > (r.ended_ms, r.attempt)))
            FROM {_tables.Jobs} WHERE status IN ('queued', 'active') AND queue = $1
            """;
        var counts = await QueryAsync(sql, r => new QueueCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(0) + r.GetInt64(1) + r.GetInt64(2), r.GetInt64(3)), cancellationToken, QueueName, Seconds(NowMs)).ConfigureAwait(false);
        return counts[0];
    }

    /// <inheritdoc />
    /// <remarks>
    /// Finished jobs of one status are paged newest completed first from Errand's index (<c>errand_finished</c>), which
    /// only Errand's own finishes fill; <see cref="JobQuery.ScanUnindexed"/> also finds those finished by Python SAQ, and
    /// adds them to the index. Queued jobs come ready first (by priority and schedule), then scheduled ones; other
    /// statuses newest first. Totals count every row of the status.
    /// </remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit);
        var status = query.Status?.ToWire();
        var total = (await QueryAsync(
            // From the (status, queue, ...) indexes alone: a row without a document (a test's hook; the sweep deletes it) still counts.
            $"SELECT count(*) FROM {_tables.Jobs} WHERE queue = $1 AND ($2::text IS NULL OR status = $2)",
            r => r.GetInt64(0),
            cancellationToken,
            QueueName,
            Text(status)).ConfigureAwait(false))[0];
        if (query.Limit == 0 || query.Offset >= total)
        {
            return new JobPage([], total);
        }

        if (query.Status is { } finished && finished.IsFinished() && query.ScanUnindexed)
        {
            await IndexFinishedAsync(status!, cancellationToken).ConfigureAwait(false);
        }

        var sql = query.Status switch
        {
            // The page's keys from the index alone (an index-only scan, however deep the offset), then only their rows.
            { } s when s.IsFinished() => $"""
                SELECT j.key, j.queue, j.job, j.status
                FROM (SELECT f.key, f.completed_ms FROM {_tables.Finished} AS f
                      WHERE f.queue = $1 AND f.status = $2
                      ORDER BY f.completed_ms DESC, f.key LIMIT $3 OFFSET $4) AS p
                JOIN {_tables.Jobs} AS j ON j.key = p.key AND j.status = $2 AND j.queue = $1
                WHERE octet_length(j.job) > 0
                ORDER BY p.completed_ms DESC, p.key
                """,
            JobStatus.Queued => $"""
                SELECT key, queue, job, status FROM {_tables.Jobs}
                WHERE queue = $1 AND status = $2 AND octet_length(job) > 0
                ORDER BY scheduled > $5, priority, scheduled, lock_key LIMIT $3 OFFSET $4
                """,
            _ => $"""
                SELECT key, queue, job, status FROM {_tables.Jobs}
                WHERE queue = $1 AND ($2::text IS NULL OR status = $2) AND octet_length(job) > 0
                ORDER BY status IN {Finished}, lock_key DESC LIMIT $3 OFFSET $4
                """,
        };
        object?[] values = query.Status == JobStatus.Queued
            ? [QueueName, Text(status), query.Limit, query.Offset, Seconds(NowMs)]
            : [QueueName, Text(status), query.Limit, query.Offset];
        var rows = await QueryAsync(sql, r => ReadRow(r, 0), cancellationToken, values).ConfigureAwait(false);
        return new JobPage([.. rows.Select(TryReadJob).OfType<Job>()], total);
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    // Rows finished by another library (Python SAQ) are not in Errand's index: read them all once, and add them.
    private async Task IndexFinishedAsync(string status, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            $"""
            SELECT j.key, j.queue, j.job, j.status FROM {_tables.Jobs} AS j
            WHERE j.queue = $1 AND j.status = $2 AND NOT EXISTS (SELECT 1 FROM {_tables.Finished} AS f WHERE f.key = j.key AND f.status = j.status)
            """,
            r => ReadRow(r, 0),
            cancellationToken,
            QueueName,
            status).ConfigureAwait(false);
        var found = rows.Select(row => (row.Key, Job: TryReadJob(row))).Where(r => r.Job is not null).ToList();
        if (found.Count == 0)
        {
            return;
        }

        await ExecuteAsync(
            $"""
            INSERT INTO {_tables.Finished} (key, queue, status, completed_ms)
            SELECT k, $1, $2, c FROM unnest($3::text[], $4::bigint[]) AS t(k, c)
            ON CONFLICT (key) DO UPDATE SET queue = EXCLUDED.queue, status = EXCLUDED.status, completed_ms = EXCLUDED.completed_ms
            """,
            cancellationToken,
            QueueName,
            status,
            found.Select(f => f.Key).ToArray(),
            found.Select(f => f.Job!.Completed).ToArray()).ConfigureAwait(false);
    }

    private async Task<Dictionary<string, StoredRow>> ReadRowsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            $"SELECT key, queue, job, status FROM {_tables.Jobs} WHERE key = ANY ($1) AND queue = $2",
            r => ReadRow(r, 0),
            cancellationToken,
            keys.ToArray(),
            QueueName).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
    }

    /// <summary>Runs one query on a pooled connection and maps each row.</summary>
    private async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object?[] values)
    {
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var batch = new NpgsqlBatch(connection);
            var command = new NpgsqlBatchCommand(sql);
            foreach (var value in values)
            {
                command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
            }

            batch.BatchCommands.Add(command);
            var results = new List<T>();
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                results.Add(map(reader));
            }

            return results;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }
}
