using System.Globalization;
using System.Text;
using System.Text.Json;
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
    /// Takes up to <see cref="DequeueRequest.MaxJobs"/> jobs that the queue's limits allow, in one transaction of two
    /// round trips, as the unlimited take:
    /// <list type="number">
    /// <item>one batch: the queue's <c>errand_limits</c> row is locked (limited takes of the queue, from every process,
    /// go one at a time), the starts whose windows are over are deleted, the holds, rate windows and running jobs per
    /// function and group key are read, and the first ready rows in the take's order are locked
    /// <c>FOR UPDATE SKIP LOCKED</c>, as many as asked for and <see cref="LimitedTakeSpare"/> more;</item>
    /// <item>each row is judged in turn, counted as it is let through; the rows let through are marked active as by the
    /// unlimited take, each rate's starts are stored, and the transaction commits, which frees the lock.</item>
    /// </list>
    /// Only when rows were turned down and more may follow is the take index walked again, past every ready row whose
    /// function or group key may not start now (held back in SQL, so that a thousand rows of a saturated key cost one
    /// index walk, never a worker slot).
    /// A group key runs at most <see cref="QueueLimits.Keys"/>' concurrency jobs, 1 by default (SAQ's rule, generalised).
    /// </summary>
    private async Task<List<Job>> TakeLimitedAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        var nowMs = NowMs;
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);

            // A saturated queue's takes (a slot freed in the worker a moment before its job's end is stored) would walk
            // every held row again and again: a walk that found no row is not repeated while no row can have come (the
            // same generation, the same second) and nothing blocked then is free now. Needs LISTEN. When such a walk is
            // likely to hold, the first batch reads the book alone.
            var generation = Volatile.Read(ref _readyGeneration);
            var memo = _emptyWalk;
            var memoFits = _options.PollInterval is null && memo is not null && memo.Generation == generation;
            var ask = request.MaxJobs + LimitedTakeSpare;
            LimitBook book;
            List<StoredRow>? candidates = null;
            using (var batch = new NpgsqlBatch(connection))
            {
                // The book is read at the time the take was asked for: a window or hold that ends while the take waits
                // for the lock, or while the book is read, still counts (the judge errs on the side of the limits).
                batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
                AddLimitBookReads(batch, nowMs, lockAndPrune: true);
                var walk = !(memoFits && memo!.Second == Seconds(nowMs));
                if (walk)
                {
                    batch.BatchCommands.Add(CandidatesCommand(nowMs, ask, [], [], []));
                }

                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                book = await ReadLimitBookAsync(reader, cancellationToken).ConfigureAwait(false) ?? new LimitBook();
                if (walk)
                {
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                    candidates = await ReadRowsAsync(reader, cancellationToken).ConfigureAwait(false);
                }
            }

            // Judged, and the jobs let through started, once the book is read, not before: a take that waited for
            // another's lock must not date its starts back (which would end their windows early), and a job that
            // finished while the book was read (seen as no longer running) ended before they start.
            var walkedMs = nowMs;
            nowMs = Math.Max(nowMs, NowMs);
            var taken = new List<(StoredRow Row, Job? Job)>();
            var starts = new List<(string Target, long UntilMs)>();
            var seen = new List<string>();
            var filter = (Functions: new List<string>(), Groups: new List<string>());
            while (taken.Count < request.MaxJobs)
            {
                if (candidates is null)
                {
                    filter = (book.BlockedFunctions(), book.BlockedGroups());
                    if (memoFits && memo!.Second == Seconds(walkedMs)
                        && memo.Functions.IsSubsetOf(filter.Functions) && memo.Groups.IsSubsetOf(filter.Groups))
                    {
                        break;
                    }

                    ask = request.MaxJobs - taken.Count + LimitedTakeSpare;
                    candidates = await ReadCandidatesAsync(connection, walkedMs, ask, filter.Functions, filter.Groups, seen, cancellationToken).ConfigureAwait(false);
                }

                // A walk that found no row: every ready row is held back by what blocked it, or was seen (taken, or
                // turned down by a target that is blocked now). Remembered until a row may have come.
                if (candidates.Count == 0)
                {
                    _emptyWalk = new EmptyWalk(generation, Seconds(walkedMs), [.. filter.Functions], [.. filter.Groups]);
                    memo = _emptyWalk;
                    memoFits = _options.PollInterval is null;
                }
                else if (seen.Count == 0)
                {
                    _emptyWalk = null;
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

                candidates = null;
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
    private async Task<List<StoredRow>> ReadCandidatesAsync(NpgsqlConnection connection, long nowMs, int limit, List<string> blockedFunctions, List<string> blockedGroups, List<string> seen, CancellationToken cancellationToken)
    {
        using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(CandidatesCommand(nowMs, limit, blockedFunctions, blockedGroups, seen));
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await ReadRowsAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The walk: the next ready rows in the take's order, locked <c>FOR UPDATE SKIP LOCKED</c>, past the rows of
    /// <paramref name="blockedFunctions"/> and <paramref name="blockedGroups"/> and the keys <paramref name="seen"/>.
    /// </summary>
    /// <remarks>
    /// A blocked function's rows are passed over by comparing the document's first bytes with the two ways a document
    /// can begin with it (<c>{"function":"NAME"</c>, Errand's, and <c>{"function": "NAME"</c>, Python's), which costs a
    /// row a byte comparison; a row that begins otherwise is read by the pattern of <see cref="FunctionOf"/>. No NOT IN
    /// over a NULL: a row without a group key is never held back by the groups, nor a row whose function SQL cannot read
    /// by the functions (the judge in C# reads its document and decides).
    /// </remarks>
    private NpgsqlBatchCommand CandidatesCommand(long nowMs, int limit, List<string> blockedFunctions, List<string> blockedGroups, List<string> seen)
    {
        var prefixes = new List<byte[]>();
        foreach (var function in blockedFunctions)
        {
            var name = JsonEncodedText.Encode(function).EncodedUtf8Bytes.ToArray();
            prefixes.Add([.. "{\"function\":\""u8, .. name, (byte)'"']);
            prefixes.Add([.. "{\"function\": \""u8, .. name, (byte)'"']);
        }

        var passed = new StringBuilder();
        for (var i = 0; i < prefixes.Count; i++)
        {
            passed.Append(CultureInfo.InvariantCulture, $"AND substring(j.job from 1 for {prefixes[i].Length}) <> ${7 + i} ");
        }

        var sql = $"""
            SELECT j.key, j.queue, j.job, j.status
            FROM {_tables.Jobs} AS j
            WHERE j.status = 'queued' AND j.queue = $1 AND j.scheduled <= $2
              AND (j.group_key IS NULL OR NOT (j.group_key = ANY($4)))
              {(blockedFunctions.Count > 0 ? passed + "AND NOT COALESCE(" + FunctionOf("j") + " = ANY($5), false)" : "AND cardinality($5::text[]) = 0")}
              AND NOT (j.key = ANY($6))
            ORDER BY j.priority, j.scheduled, j.lock_key
            LIMIT $3
            FOR UPDATE SKIP LOCKED
            """;
        var command = Command(
            sql,
            QueueName,
            Seconds(nowMs),
            limit,
            ArrayParameter(blockedGroups, NpgsqlDbType.Text),
            ArrayParameter(blockedFunctions, NpgsqlDbType.Text),
            ArrayParameter(seen, NpgsqlDbType.Text));
        foreach (var prefix in prefixes)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = prefix, NpgsqlDbType = NpgsqlDbType.Bytea });
        }

        return command;
    }

    private static async Task<List<StoredRow>> ReadRowsAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new List<StoredRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReadRow(reader, 0));
        }

        return rows;
    }

    private sealed record EmptyWalk(long Generation, long Second, HashSet<string> Functions, HashSet<string> Groups);
}
