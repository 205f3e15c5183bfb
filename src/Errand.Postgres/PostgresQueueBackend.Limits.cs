using Errand.Backends;
using Npgsql;
using NpgsqlTypes;

namespace Errand.Postgres;

/// <content>
/// Limits (issue 17): stored in Errand's own tables (<c>errand_limits</c>, <c>errand_limit_holds</c>,
/// <c>errand_limit_starts</c>) and enforced by the limited take (PostgresQueueBackend.LimitedTake.cs), in every
/// process; see docs/postgres.md.
/// </content>
public sealed partial class PostgresQueueBackend
{
    // A job's function as the take reads it in SQL: the document's first property (Errand and SAQ write "function"
    // first), from its first 512 bytes, escaped so that no byte can fail the statement. NULL when it is not found.
    private static string FunctionOf(string alias) =>
        "substring(encode(substring(" + alias + """.job from 1 for 512), 'escape') from '^\{\s*"function"\s*:\s*"([^"\\]*)"')""";

    // Whether the queue has limits or holds, as this process last saw: dequeues then take by the limited take.
    // Refreshed at start, by every schedule tick, and when a process announces a change ('limits' on errand:QUEUE).
    private readonly LimitedFlag _limitedFlag = new();

    // When a job held by a hold or a rate may start next (epoch ms), as the last limited take saw; long.MaxValue for none.
    private long _limitDueMs = long.MaxValue;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    /// <remarks>Stored in <c>errand_limits</c>, replacing what was there (the last writer wins); every process hears of it on <c>errand:QUEUE</c>.</remarks>
    public async Task SetLimitsAsync(QueueLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        await LimitsWriteAsync(
            Command(
                $"INSERT INTO {_tables.Limits} (queue, spec) VALUES ($1, $2::jsonb) ON CONFLICT (queue) DO UPDATE SET spec = EXCLUDED.spec",
                QueueName,
                LimitBook.Spec(limits)),
            cancellationToken).ConfigureAwait(false);
        _limitedFlag.Wrote(null);
        await RefreshLimitedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task HoldAsync(LimitTarget target, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        var until = NowMs + (long)duration.TotalMilliseconds;
        await LimitsWriteAsync(
            Command(
                $"""
                WITH queue AS (INSERT INTO {_tables.Limits} (queue, spec) VALUES ($1, jsonb_build_object()) ON CONFLICT (queue) DO NOTHING)
                INSERT INTO {_tables.LimitHolds} AS h (queue, target, until_ms) VALUES ($1, $2, $3)
                ON CONFLICT (queue, target) DO UPDATE SET until_ms = GREATEST(h.until_ms, EXCLUDED.until_ms)
                """,
                QueueName,
                Target(target),
                until),
            cancellationToken).ConfigureAwait(false);
        _limitedFlag.Wrote(true);
    }

    private bool Limited => _limitedFlag.Value;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    /// <remarks>
    /// Held counts the ready jobs (queued, due) of a function or group key that may not start now. Group keys are listed
    /// when the queue limits them (<see cref="QueueLimits.Keys"/>) or one is held.
    /// </remarks>
    public async Task<IReadOnlyList<LimitState>> GetLimitStatesAsync(CancellationToken cancellationToken)
    {
        var nowMs = NowMs;
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var book = await ReadLimitBookAsync(connection, nowMs, cancellationToken).ConfigureAwait(false);
            if (book is null)
            {
                return [];
            }

            var blockedFunctions = book.BlockedFunctions();
            var blockedGroups = book.BlockedGroups();
            var held = new Dictionary<string, int>(StringComparer.Ordinal);
            if (blockedFunctions.Count + blockedGroups.Count > 0)
            {
                using var command = new NpgsqlCommand(
                    $"""
                    SELECT 'f:' || f, count(*) FROM (
                        SELECT {FunctionOf("j")} AS f FROM {_tables.Jobs} AS j
                        WHERE j.status = 'queued' AND j.queue = $1 AND j.scheduled <= $2) AS r
                    WHERE f = ANY($3) GROUP BY f
                    UNION ALL
                    SELECT 'k:' || j.group_key, count(*) FROM {_tables.Jobs} AS j
                    WHERE j.status = 'queued' AND j.queue = $1 AND j.scheduled <= $2 AND j.group_key = ANY($4) GROUP BY j.group_key
                    """,
                    connection);
                command.Parameters.Add(new NpgsqlParameter { Value = QueueName });
                command.Parameters.Add(new NpgsqlParameter { Value = Seconds(nowMs) });
                command.Parameters.Add(ArrayParameter(blockedFunctions, NpgsqlDbType.Text));
                command.Parameters.Add(ArrayParameter(blockedGroups, NpgsqlDbType.Text));
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    held[reader.GetString(0)] = (int)reader.GetInt64(1);
                }
            }

            var states = new List<LimitState>();
            var functions = new HashSet<string>(book.Functions.Keys, StringComparer.Ordinal);
            functions.UnionWith(book.Holds.Keys.Where(t => t.StartsWith("f:", StringComparison.Ordinal)).Select(t => t[2..]));
            foreach (var function in functions)
            {
                states.Add(new LimitState(
                    new LimitTarget(LimitScope.Function, function),
                    book.RunningFunctions.GetValueOrDefault(function),
                    book.Functions.GetValueOrDefault(function)?.Concurrency,
                    held.GetValueOrDefault("f:" + function)));
            }

            var groups = new HashSet<string>(book.Holds.Keys.Where(t => t.StartsWith("k:", StringComparison.Ordinal)).Select(t => t[2..]), StringComparer.Ordinal);
            if (book.Keys is not null)
            {
                groups.UnionWith(book.RunningGroups.Keys);
                groups.UnionWith(held.Keys.Where(t => t.StartsWith("k:", StringComparison.Ordinal)).Select(t => t[2..]));
            }

            foreach (var group in groups)
            {
                var running = book.RunningGroups.GetValueOrDefault(group);
                var heldJobs = held.GetValueOrDefault("k:" + group);
                if (running > 0 || heldJobs > 0 || book.Holds.ContainsKey("k:" + group))
                {
                    states.Add(new LimitState(new LimitTarget(LimitScope.GroupKey, group), running, book.KeyConcurrency, heldJobs));
                }
            }

            return [.. states.OrderBy(s => s.Target.Scope).ThenBy(s => s.Target.Name, StringComparer.Ordinal)];
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Reads the queue's limits and how they stand: the spec, the holds and rate windows not yet
    /// over, and the running jobs per function and group key (rows <c>active</c> or <c>aborting</c>: a job that ended, in
    /// any way, no longer counts, so a slot cannot leak). <see langword="null"/> when the queue has no limits row.
    /// </summary>
    private async Task<LimitBook?> ReadLimitBookAsync(NpgsqlConnection connection, long nowMs, CancellationToken cancellationToken)
    {
        using var batch = new NpgsqlBatch(connection);
        AddLimitBookReads(batch, nowMs, lockAndPrune: false);
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        return await ReadLimitBookAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds the limit book's four reads to <paramref name="batch"/>. With <paramref name="lockAndPrune"/>, the spec is
    /// read <c>FOR UPDATE</c> (the limited take's lock: the queue's limited takes go one at a time) and the starts whose
    /// windows are over are deleted before they are read (a statement without a result, which the reader skips).
    /// </summary>
    private void AddLimitBookReads(NpgsqlBatch batch, long nowMs, bool lockAndPrune)
    {
        batch.BatchCommands.Add(Command($"SELECT spec::text FROM {_tables.Limits} WHERE queue = $1{(lockAndPrune ? " FOR UPDATE" : string.Empty)}", QueueName));
        if (lockAndPrune)
        {
            batch.BatchCommands.Add(Command($"DELETE FROM {_tables.LimitStarts} WHERE queue = $1 AND until_ms <= $2", QueueName, nowMs));
        }

        batch.BatchCommands.Add(Command($"SELECT target, until_ms FROM {_tables.LimitHolds} WHERE queue = $1 AND until_ms > $2", QueueName, nowMs));
        batch.BatchCommands.Add(Command($"SELECT target, count(*), min(until_ms) FROM {_tables.LimitStarts} WHERE queue = $1 AND until_ms > $2 GROUP BY target", QueueName, nowMs));
        batch.BatchCommands.Add(Command(
            $"SELECT {FunctionOf("j")}, j.group_key FROM {_tables.Jobs} AS j WHERE j.status IN ('active', 'aborting') AND j.queue = $1",
            QueueName));
    }

    /// <summary>Reads the results of <see cref="AddLimitBookReads"/> (the reader at the spec's result); <see langword="null"/> when the queue has no limits row.</summary>
    private static async Task<LimitBook?> ReadLimitBookAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var book = new LimitBook();
        var found = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (found)
        {
            book.ReadSpec(reader.GetString(0));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            book.AddHold(reader.GetString(0), reader.GetInt64(1));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            book.AddStarts(reader.GetString(0), (int)reader.GetInt64(1), reader.GetInt64(2));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            book.AddRunning(reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
        }

        return found ? book : null;
    }

    /// <summary>Reads whether the queue has limits or holds now (at start, at every schedule tick, when announced).</summary>
    private async Task RefreshLimitedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var command = new NpgsqlCommand(LimitedSql, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = QueueName });
            command.Parameters.Add(new NpgsqlParameter { Value = NowMs });
            var writes = _limitedFlag.BeforeRead();
            _limitedFlag.SetFromRead((bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, writes);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    // Whether queue $1 has limits, or holds not over at $2.
    private string LimitedSql =>
        $"SELECT EXISTS (SELECT 1 FROM {_tables.Limits} WHERE queue = $1 AND spec <> jsonb_build_object()) OR EXISTS (SELECT 1 FROM {_tables.LimitHolds} WHERE queue = $1 AND until_ms > $2)";

    // Heard 'limits' on errand:QUEUE: another process changed the limits or a hold. Waiters look again.
    private void OnLimitsChanged()
    {
        _ = RefreshInBackgroundAsync();

        async Task RefreshInBackgroundAsync()
        {
            try
            {
                await RefreshLimitedAsync(_disposing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BackendUnavailableException or OperationCanceledException or ObjectDisposedException)
            {
                // The next schedule tick reads it again.
            }

            SignalReady();
        }
    }

    private async Task LimitsWriteAsync(NpgsqlBatchCommand write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
            batch.BatchCommands.Add(write);
            batch.BatchCommands.Add(Command("SELECT pg_notify($1, 'limits')", _errandChannel));
            batch.BatchCommands.Add(NotifyEnqueue());
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private static string Target(LimitTarget target) =>
        (target.Scope == LimitScope.Function ? "f:" : "k:") + target.Name;
}
