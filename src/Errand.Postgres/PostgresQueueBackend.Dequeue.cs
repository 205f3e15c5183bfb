using Errand.Backends;
using Npgsql;
using NpgsqlTypes;

namespace Errand.Postgres;

/// <content>Dequeue: one statement takes ready rows, groups respected; the active marks are stored in the same transaction.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// The rows are taken with <c>FOR UPDATE SKIP LOCKED</c>, by priority then schedule. A job with a group key is taken
    /// only when no job of its group is active (or aborting), and one take never holds two jobs of a group; jobs without
    /// a group are never held back by grouped ones. An idle wait listens on <c>saq:QUEUE</c> (or polls every
    /// <see cref="PostgresBackendOptions.PollInterval"/>).
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting and no job had been taken.</exception>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<IReadOnlyList<Job>> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.WorkerId);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxJobs, 1);
        var start = _time.GetUtcNow();
        var infinite = request.Wait == Timeout.InfiniteTimeSpan || request.Wait >= DateTimeOffset.MaxValue - start;
        var deadline = infinite ? DateTimeOffset.MaxValue : start + request.Wait;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref _disposed) != 0)
            {
                return [];
            }

            // Taken before the look, so that a notification during the look is not missed.
            var signal = ReadySignal;
            var taken = await TakeAsync(request, cancellationToken).ConfigureAwait(false);
            if (taken.Count > 0 || (!infinite && request.Wait <= TimeSpan.Zero))
            {
                return taken;
            }

            var remaining = infinite ? Timeout.InfiniteTimeSpan : deadline - _time.GetUtcNow();
            if (!infinite && remaining <= TimeSpan.Zero)
            {
                return [];
            }

            if (_options.PollInterval is { } poll && (infinite || poll < remaining))
            {
                remaining = poll;
            }

            // A limited queue's job held by a hold or a rate is due then: the wait ends in time to take it.
            if (Limited && Volatile.Read(ref _limitDueMs) is var dueMs and < long.MaxValue)
            {
                var due = TimeSpan.FromMilliseconds(Math.Max(5, dueMs - NowMs));
                if (remaining == Timeout.InfiniteTimeSpan || due < remaining)
                {
                    remaining = due;
                }
            }

            try
            {
                if (remaining == Timeout.InfiniteTimeSpan)
                {
                    await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await signal.WaitAsync(remaining, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                if (_options.PollInterval is null && !infinite && _time.GetUtcNow() >= deadline)
                {
                    return [];
                }
            }
        }
    }

    private async Task<List<Job>> TakeAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        if (Limited)
        {
            return await TakeLimitedAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var nowMs = NowMs;
        // One ordered walk of the take index, each row judged as it comes (a plan that holds whatever the statistics say):
        // a grouped row is taken only when no job of its group is active and it is its group's first ready job (so
        // that a take that skips a row locked by another never takes the next job of that group instead).
        var select = $"""
            SELECT j.key, j.queue, j.job, j.status
            FROM {_tables.Jobs} AS j
            WHERE j.status = 'queued' AND j.queue = $1 AND j.scheduled <= $2
              AND (j.group_key IS NULL OR (
                  NOT EXISTS (
                      SELECT 1 FROM {_tables.Jobs} AS a
                      WHERE a.status IN ('active', 'aborting') AND a.queue = $1 AND a.group_key = j.group_key)
                  AND j.key = (
                      SELECT f.key FROM {_tables.Jobs} AS f
                      WHERE f.status = 'queued' AND f.group_key IS NOT NULL AND f.queue = $1 AND f.group_key = j.group_key AND f.scheduled <= $2
                      ORDER BY f.priority, f.scheduled, f.lock_key
                      LIMIT 1)))
            ORDER BY j.priority, j.scheduled, j.lock_key
            LIMIT $3
            FOR UPDATE SKIP LOCKED
            """;
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var rows = new List<StoredRow>();
            using (var read = new NpgsqlBatch(connection))
            {
                read.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
                read.BatchCommands.Add(Command(select, QueueName, Seconds(nowMs), request.MaxJobs));
                var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(ReadRow(reader, 0));
                }
            }

            return await CommitTakenAsync(connection, request, [.. rows.Select(row => (row, TryReadJob(row)))], [], null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Marks the rows taken active (the documents as this worker's), runs <paramref name="more"/>, and commits the take's transaction.</summary>
    /// <param name="connection">The connection whose transaction holds the rows.</param>
    /// <param name="request">The dequeue request.</param>
    /// <param name="rows">The rows taken, each with its job as read (<see langword="null"/> for a missing or corrupt document).</param>
    /// <param name="more">Statements of the same transaction (a limited take's starts).</param>
    /// <param name="startedMs">The jobs' start, or <see langword="null"/> for now.</param>
    /// <param name="cancellationToken">Not used once the write is sent.</param>
    private async Task<List<Job>> CommitTakenAsync(NpgsqlConnection connection, DequeueRequest request, List<(StoredRow Row, Job? Job)> rows, List<NpgsqlBatchCommand> more, long? startedMs, CancellationToken cancellationToken)
    {
        _ = cancellationToken;

        // Started when the rows are held, not when they were asked for: a job's time runs from the moment it is taken.
        var nowMs = startedMs ?? NowMs;
        var jobs = new List<Job>(rows.Count);
        var keys = new List<string>(rows.Count);
        var documents = new List<byte[]>(rows.Count);
        var written = new List<byte[]>(rows.Count);
        foreach (var (row, read) in rows)
        {
            // A missing or corrupt document is taken all the same, and left active for the sweeper to remove.
            keys.Add(row.Key);
            if (read is not { } job)
            {
                documents.Add(row.Document);
                continue;
            }

            job.Attempts++;
            job.Started = nowMs;
            job.Touched = nowMs;
            job.WorkerId = request.WorkerId;
            job.Status = JobStatus.Active;
            var document = JobDocument.Serialize(job);
            documents.Add(document);
            written.Add(document);
            jobs.Add(job);
        }

        using var write = new NpgsqlBatch(connection);
        if (rows.Count > 0)
        {
            var update = new NpgsqlBatchCommand($"""
                UPDATE {_tables.Jobs} AS j SET status = 'active', job = t.job
                FROM unnest($1::text[], $2::bytea[]) AS t(key, job)
                WHERE j.key = t.key
                """);
            update.Parameters.Add(ArrayParameter(keys, NpgsqlDbType.Text));
            update.Parameters.Add(ArrayParameter(documents, NpgsqlDbType.Bytea));
            write.BatchCommands.Add(update);
            var notices = new List<NpgsqlBatchCommand>();
            Notify(notices, jobs.Select(j => (j.Key, JobStatus.Active)));
            notices.Add(Command("SELECT pg_notify($1, 'saq:dequeue')", _saqChannel));
            foreach (var notice in notices)
            {
                write.BatchCommands.Add(notice);
            }
        }

        foreach (var command in more)
        {
            write.BatchCommands.Add(command);
        }

        write.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));

        // Not cancelled half-way: the rows are taken whole, or not at all.
        await write.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        for (var i = 0; i < jobs.Count; i++)
        {
            RememberWritten(jobs[i], written[i], JobStatus.Active);
        }

        return jobs;
    }
}
