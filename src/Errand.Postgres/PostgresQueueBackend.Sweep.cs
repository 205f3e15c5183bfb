using Errand.Backends;
using Npgsql;

namespace Errand.Postgres;

/// <content>The sweeper: expired rows deleted, stuck jobs judged by timeout, heartbeat and worker liveness, each decision applied on its locked row.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Under the queue's sweep lease (Errand's <c>errand_locks</c>, held for <see cref="SweepRequest.LockFor"/> on the
    /// backend's clock), a round deletes finished jobs and worker stats past their <c>expire_at</c>, then judges every
    /// <c>active</c> and <c>aborting</c> row of the queue as <see cref="SweepRules"/> says, by the document the worker
    /// wrote. Suspicions must hold for <see cref="SweepRequest.SuspectGrace"/> (Errand's <c>errand_suspects</c>). A row
    /// whose document is empty is deleted; one whose document is corrupt is set <c>failed</c> and kept for inspection.
    /// </remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<SweepResult> SweepAsync(SweepRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(request.LockFor, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.SuspectGrace, TimeSpan.Zero);
        var nowMs = NowMs;
        var nowSeconds = Seconds(nowMs);
        var rows = new List<StoredRow>();
        var alive = new HashSet<string>(StringComparer.Ordinal);
        var suspects = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var batch = new NpgsqlBatch(connection);
                batch.BatchCommands.Add(Command($"WITH lease AS ({LeaseSql("$1", "$2", "$3")}) SELECT count(*) FROM lease", "sweep:" + QueueName, nowMs, nowMs + (long)Math.Ceiling(request.LockFor.TotalMilliseconds)));
                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (reader.GetInt64(0) == 0)
                {
                    return SweepResult.Empty;
                }
            }

            var reading = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (reading.ConfigureAwait(false))
            {
                using var batch = new NpgsqlBatch(reading);
                batch.BatchCommands.Add(Command(
                    $"""
                    WITH gone AS (
                        DELETE FROM {_tables.Jobs} WHERE queue = $1 AND status IN {Finished} AND expire_at <= $2 RETURNING key),
                    unindexed AS (
                        DELETE FROM {_tables.Attempts} AS a USING gone WHERE a.key = gone.key)
                    DELETE FROM {_tables.Finished} AS f USING gone WHERE f.key = gone.key
                    """,
                    QueueName,
                    nowSeconds));
                batch.BatchCommands.Add(Command($"DELETE FROM {_tables.Stats} WHERE expire_at <= $1", nowSeconds));
                batch.BatchCommands.Add(Command($"DELETE FROM {_tables.Aborts} WHERE expires_at_ms <= $1", nowMs));
                batch.BatchCommands.Add(Command($"DELETE FROM {_tables.History} WHERE queue = $1 AND minute < $2", QueueName, (nowMs / 60_000) - IQueueMonitor.HistoryMinutes - 5));
                batch.BatchCommands.Add(Command($"DELETE FROM {_tables.HourlyHistory} WHERE queue = $1 AND hour < $2", QueueName, (nowMs / 3_600_000) - IQueueMonitor.HistoryHours - 24));
                batch.BatchCommands.Add(Command($"SELECT key, queue, job, status FROM {_tables.Jobs} WHERE queue = $1 AND status IN ('active', 'aborting')", QueueName));
                batch.BatchCommands.Add(Command($"SELECT worker_id FROM {_tables.Stats} WHERE expire_at > $1", nowSeconds));
                batch.BatchCommands.Add(Command($"SELECT key, since_ms FROM {_tables.Suspects} WHERE queue = $1", QueueName));
                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(ReadRow(reader, 0));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    alive.Add(reader.GetString(0));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    suspects[reader.GetString(0)] = reader.GetInt64(1);
                }
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        var graceMs = (long)request.SuspectGrace.TotalMilliseconds;
        var stuck = new List<SweptJob>();
        var removed = new List<string>();
        var stillSuspect = new List<string>();
        foreach (var row in rows)
        {
            if (await RemoveUnreadableAsync(row, cancellationToken).ConfigureAwait(false) is { } gone)
            {
                removed.Add(gone);
                continue;
            }

            // Judged by the document the worker wrote: a copy that says queued is an attempt before its active mark.
            var job = JobDocument.Deserialize(row.Document, row.Key, QueueName);
            SweepReason? reason = row.Status == JobStatus.Aborting
                ? SweepReason.NotActive
                : SweepRules.Judge(job, nowMs, alive.Contains);
            if (reason is not { } why)
            {
                continue;
            }

            if (row.Status == JobStatus.Aborting || SweepRules.IsSuspicion(why))
            {
                stillSuspect.Add(row.Key);
                if (!suspects.TryGetValue(row.Key, out var since) || nowMs - since < graceMs)
                {
                    continue;
                }
            }

            if (row.Status == JobStatus.Aborting)
            {
                job.Status = JobStatus.Aborting;
            }

            var swept = new SweptJob(job, why);
            if (request.Decide is not { } decide)
            {
                stuck.Add(swept);
                continue;
            }

            if (await ApplyAsync(row, swept, decide, cancellationToken).ConfigureAwait(false))
            {
                stillSuspect.Remove(row.Key);
                stuck.Add(swept);
            }
        }

        await ExecuteAsync(
            $"""
            WITH fresh AS (
                INSERT INTO {_tables.Suspects} (key, queue, since_ms) SELECT k, $1, $2 FROM unnest($3::text[]) AS k
                ON CONFLICT (key) DO NOTHING)
            DELETE FROM {_tables.Suspects} WHERE queue = $1 AND NOT (key = ANY ($3::text[]))
            """,
            cancellationToken,
            QueueName,
            nowMs,
            stillSuspect.ToArray()).ConfigureAwait(false);
        return new SweepResult(stuck, removed);
    }

    // An empty document is deleted with its row; a corrupt one leaves the queue as failed, kept for inspection.
    private async Task<string?> RemoveUnreadableAsync(StoredRow row, CancellationToken cancellationToken)
    {
        if (row.Document.Length == 0)
        {
            await ExecuteAsync($"DELETE FROM {_tables.Jobs} WHERE key = $1 AND octet_length(job) = 0", cancellationToken, row.Key).ConfigureAwait(false);
            PostgresLog.MissingJobRemoved(_logger, row.Key, QueueName);
            return row.Key;
        }

        try
        {
            JobDocument.Deserialize(row.Document, row.Key, QueueName);
            return null;
        }
        catch (CorruptJobException ex)
        {
            await ExecuteAsync($"UPDATE {_tables.Jobs} SET status = 'failed' WHERE key = $1 AND job = $2", cancellationToken, row.Key, row.Document).ConfigureAwait(false);
            PostgresLog.CorruptJobRemoved(_logger, row.Key, QueueName, ex.Reason);
            return row.Key;
        }
    }

    // Decided and applied on the locked row, only while it is stored as it was judged.
    private Task<bool> ApplyAsync(StoredRow judged, SweptJob swept, Func<SweptJob, SweepDecision> decide, CancellationToken cancellationToken) =>
        WithLockedRowAsync(
            judged.Key,
            (row, writes) =>
            {
                if (row is null || row.Status != judged.Status || !row.Document.AsSpan().SequenceEqual(judged.Document))
                {
                    return false;
                }

                var decision = decide(swept);
                var job = swept.Job;
                if (job.Ttl >= 0 || decision.Status == JobStatus.Queued)
                {
                    writes.Attempt(job, decision.Status, NowMs);
                }

                if (decision.Status == JobStatus.Queued)
                {
                    StoreRequeue(job, decision.RetryDelay, NowMs, writes);
                }
                else
                {
                    StoreFinish(job, decision.Status, NowMs, writes);
                }

                return true;
            },
            cancellationToken);
}
