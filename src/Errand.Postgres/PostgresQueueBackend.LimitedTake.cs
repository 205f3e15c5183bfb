using Errand.Backends;
using Npgsql;
using NpgsqlTypes;

namespace Errand.Postgres;

/// <content>The limited take: a queue with limits or holds takes its jobs one limited take at a time, judged against the limits in the store.</content>
public sealed partial class PostgresQueueBackend
{
    // Rows asked for beyond MaxJobs in one walk: candidates the judge may turn down (a target that fills up in this take).
    private const int LimitedTakeSpare = 16;

    // Counts the changes that may have made rows ready (enqueues, retries, requeues heard or made here, a listener
    // reconnected): a walk that found nothing need not be repeated while this stays the same.
    private long _readyGeneration;

    // The last walk that found no row at all: when, by generation and second, and what was blocked then.
    private EmptyWalk? _emptyWalk;

    /// <summary>Notes that ready rows may have come (called before the write that makes them, and when one is heard).</summary>
    private void ReadyRowsMayHaveChanged() => Interlocked.Increment(ref _readyGeneration);

    /// <summary>
    /// Takes up to <see cref="DequeueRequest.MaxJobs"/> jobs that the queue's limits allow, in one transaction:
    /// <list type="number">
    /// <item>the queue's <c>errand_limits</c> row is locked (limited takes of the queue, from every process, go one at a
    /// time), and the holds, rate windows and running jobs per function and group key are read;</item>
    /// <item>the take index is walked in the take's order, past every ready row whose function or group key may not start
    /// now (held back in SQL, so that a thousand rows of a saturated key cost one index walk, never a worker slot), each
    /// row locked <c>FOR UPDATE SKIP LOCKED</c>, and each judged in turn, counted as it is let through;</item>
    /// <item>the rows let through are marked active as by the unlimited take, each rate's starts are stored, and the
    /// transaction commits, which frees the lock.</item>
    /// </list>
    /// A group key runs at most <see cref="QueueLimits.Keys"/>' concurrency jobs, 1 by default (SAQ's rule, generalised).
    /// </summary>
    private async Task<List<Job>> TakeLimitedAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        var nowMs = NowMs;
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using (var begin = new NpgsqlBatch(connection))
            {
                begin.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
                begin.BatchCommands.Add(Command($"SELECT 1 FROM {_tables.Limits} WHERE queue = $1 FOR UPDATE", QueueName));
                begin.BatchCommands.Add(Command($"DELETE FROM {_tables.LimitStarts} WHERE queue = $1 AND until_ms <= $2", QueueName, nowMs));
                await begin.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Judged at the time the lock was had, not asked for: a take that waited for another's lock must not
            // date its starts back, which would end their windows early. The book is read at that time (a window or
            // hold that ends while it is read still counts), and the jobs let through start once it is read: a job
            // that finished while the book was being read (seen as no longer running) ended before they start.
            nowMs = NowMs;
            var book = await ReadLimitBookAsync(connection, nowMs, cancellationToken).ConfigureAwait(false) ?? new LimitBook();
            nowMs = Math.Max(nowMs, NowMs);
            var taken = new List<(StoredRow Row, Job? Job)>();
            var starts = new List<(string Target, long UntilMs)>();
            var seen = new List<string>();

            // A saturated queue's takes (a slot freed in the worker a moment before its job's end is stored) would walk
            // every held row again and again: a walk that found no row at all is not repeated while no row can have
            // come (the same generation, the same second) and nothing blocked then is free now. Needs LISTEN.
            var generation = Volatile.Read(ref _readyGeneration);
            var blocked = (Functions: book.BlockedFunctions(), Groups: book.BlockedGroups());
            var memo = _emptyWalk;
            var skip = _options.PollInterval is null && memo is not null && memo.Generation == generation && memo.Second == Seconds(nowMs)
                && memo.Functions.IsSubsetOf(blocked.Functions) && memo.Groups.IsSubsetOf(blocked.Groups);
            while (!skip && taken.Count < request.MaxJobs)
            {
                var ask = request.MaxJobs - taken.Count + LimitedTakeSpare;
                var candidates = await ReadCandidatesAsync(connection, nowMs, ask, book, seen, cancellationToken).ConfigureAwait(false);
                if (seen.Count == 0)
                {
                    _emptyWalk = candidates.Count == 0
                        ? new EmptyWalk(generation, Seconds(nowMs), [.. blocked.Functions], [.. blocked.Groups])
                        : null;
                }

                var turnedDown = false;
                foreach (var row in candidates)
                {
                    seen.Add(row.Key);
                    if (taken.Count == request.MaxJobs)
                    {
                        break;
                    }

                    var job = TryReadJob(row);
                    if (job is null)
                    {
                        // A corrupt document is taken as by the unlimited take, for the sweeper; it counts against nothing.
                        taken.Add((row, null));
                        continue;
                    }

                    if (book.TryStart(job.Function, job.GroupKey, nowMs) is { } windows)
                    {
                        taken.Add((row, job));
                        starts.AddRange(windows.Select(w => (w.Target, nowMs + w.PeriodMs)));
                    }
                    else
                    {
                        turnedDown = true;
                    }
                }

                // Fewer rows than asked for: the walk reached the end. None turned down: every candidate was taken.
                if (candidates.Count < ask || !turnedDown)
                {
                    break;
                }
            }

            Volatile.Write(ref _limitDueMs, book.NextDueMs() ?? long.MaxValue);
            var more = new List<NpgsqlBatchCommand>();
            if (starts.Count > 0)
            {
                var insert = new NpgsqlBatchCommand($"INSERT INTO {_tables.LimitStarts} (queue, target, until_ms) SELECT $1, t.target, t.until_ms FROM unnest($2::text[], $3::bigint[]) AS t(target, until_ms)");
                insert.Parameters.Add(new NpgsqlParameter { Value = QueueName });
                insert.Parameters.Add(ArrayParameter(starts.Select(s => s.Target), NpgsqlDbType.Text));
                insert.Parameters.Add(ArrayParameter(starts.Select(s => s.UntilMs), NpgsqlDbType.Bigint));
                more.Add(insert);
            }

            // Started at the moment the store let the jobs through (the rate's windows are counted from it), not a
            // moment later when this process has written their documents.
            return await CommitTakenAsync(connection, request, taken, more, nowMs, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>Reads the next ready rows in the take's order whose function and group key may start now, locked; <paramref name="seen"/> are left out.</summary>
    private async Task<List<StoredRow>> ReadCandidatesAsync(NpgsqlConnection connection, long nowMs, int limit, LimitBook book, List<string> seen, CancellationToken cancellationToken)
    {
        var blockedFunctions = book.BlockedFunctions();
        var blockedGroups = book.BlockedGroups();

        // No NOT IN over a NULL: a row without a group key is never held back by the groups, nor a row whose function
        // SQL cannot read by the functions (the judge in C# reads its document and decides).
        var sql = $"""
            SELECT j.key, j.queue, j.job, j.status
            FROM {_tables.Jobs} AS j
            WHERE j.status = 'queued' AND j.queue = $1 AND j.scheduled <= $2
              AND (j.group_key IS NULL OR NOT (j.group_key = ANY($4)))
              {(blockedFunctions.Count > 0 ? "AND NOT COALESCE(" + FunctionOf("j") + " = ANY($5), false)" : "AND cardinality($5::text[]) = 0")}
              AND NOT (j.key = ANY($6))
            ORDER BY j.priority, j.scheduled, j.lock_key
            LIMIT $3
            FOR UPDATE SKIP LOCKED
            """;
        using var batch = new NpgsqlBatch(connection);
        var command = Command(
            sql,
            QueueName,
            Seconds(nowMs),
            limit,
            ArrayParameter(blockedGroups, NpgsqlDbType.Text),
            ArrayParameter(blockedFunctions, NpgsqlDbType.Text),
            ArrayParameter(seen, NpgsqlDbType.Text));
        batch.BatchCommands.Add(command);
        var rows = new List<StoredRow>();
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReadRow(reader, 0));
        }

        return rows;
    }

    private sealed record EmptyWalk(long Generation, long Second, HashSet<string> Functions, HashSet<string> Groups);
}
