using Npgsql;

namespace Errand.Postgres;

/// <content>The schedule tick: on PostgreSQL a scheduled job is a queued row with a later <c>scheduled</c>; the tick reports and announces those that came due.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// Nothing moves: a queued row is ready once its <c>scheduled</c> has passed. Under the queue's schedule lease, the
    /// tick returns the jobs that Errand scheduled and that came due since the last tick, and wakes idle workers of every
    /// process (<c>saq:enqueue</c>) when there are some.
    /// </remarks>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<IReadOnlyList<string>> ScheduleAsync(TimeSpan lockFor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lockFor, TimeSpan.Zero);
        var nowMs = NowMs;
        var sql = $"""
            WITH lease AS ({LeaseSql("$1", "$2", "$3")}),
            due AS (
                DELETE FROM {_tables.Due} AS d
                WHERE d.queue = $4 AND d.scheduled <= $5 AND EXISTS (SELECT 1 FROM lease)
                RETURNING d.key, d.scheduled),
            ready AS (
                SELECT due.key, due.scheduled FROM due
                JOIN {_tables.Jobs} AS j ON j.key = due.key AND j.status = 'queued' AND j.queue = $4 AND j.scheduled = due.scheduled)
            SELECT key, CASE WHEN row_number() OVER () = 1 THEN pg_notify($6, 'saq:enqueue') END
            FROM ready ORDER BY scheduled, key
            """;
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var limitWrites = _limitedFlag.BeforeRead();
            using var batch = new NpgsqlBatch(connection);
            batch.BatchCommands.Add(Command(sql, "schedule:" + QueueName, nowMs, nowMs + (long)Math.Ceiling(lockFor.TotalMilliseconds), QueueName, Seconds(nowMs), _saqChannel));

            // Whether the queue has limits or holds now, read at every tick (a missed announcement is caught up here).
            batch.BatchCommands.Add(Command(LimitedSql, QueueName, nowMs));
            var ids = new List<string>();
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }

            if (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false) && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                _limitedFlag.SetFromRead(reader.GetBoolean(0), limitWrites);
            }

            if (ids.Count > 0)
            {
                SignalLocalReady(future: false);
            }

            return ids;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>SQL that takes the lease <paramref name="name"/> until <paramref name="until"/> when it has expired at <paramref name="now"/>; it returns a row when taken.</summary>
    private string LeaseSql(string name, string now, string until) => $"""
        INSERT INTO {_tables.Locks} AS l (name, until_ms) VALUES ({name}, {until})
        ON CONFLICT (name) DO UPDATE SET until_ms = EXCLUDED.until_ms WHERE l.until_ms <= {now}
        RETURNING 1
        """;
}
