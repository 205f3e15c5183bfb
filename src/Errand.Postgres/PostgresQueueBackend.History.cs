using Errand.Backends;

namespace Errand.Postgres;

/// <content>Per-minute and per-hour history of outcomes, in Errand's <c>errand_history</c> and <c>errand_history_hourly</c>.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public Task<IReadOnlyList<HistoryPoint>> GetHourlyHistoryAsync(int hours, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hours, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hours, IQueueMonitor.HistoryHours);
        return ReadHistoryAsync($"SELECT hour, complete, failed, retried, aborted FROM {_tables.HourlyHistory} WHERE queue = $1 AND hour BETWEEN $2 AND $3", NowMs / 3_600_000, hours, 3_600_000, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public Task<IReadOnlyList<HistoryPoint>> GetHistoryAsync(int minutes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, IQueueMonitor.HistoryMinutes);
        return ReadHistoryAsync($"SELECT minute, complete, failed, retried, aborted FROM {_tables.History} WHERE queue = $1 AND minute BETWEEN $2 AND $3", NowMs / 60_000, minutes, 60_000, cancellationToken);
    }

    // The buckets up to the current one; a bucket without a row counts zero.
    private async Task<IReadOnlyList<HistoryPoint>> ReadHistoryAsync(string sql, long current, int count, long msPerBucket, CancellationToken cancellationToken)
    {
        var first = current - count + 1;
        var counts = new Dictionary<long, long[]>();
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var batch = new Npgsql.NpgsqlBatch(connection);
            batch.BatchCommands.Add(Command(
                sql,
                QueueName,
                first,
                current));
            var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts[reader.GetInt64(0)] = [reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)];
            }
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        var points = new HistoryPoint[count];
        for (var i = 0; i < count; i++)
        {
            var bucket = first + i;
            var c = counts.GetValueOrDefault(bucket) ?? new long[4];
            points[i] = new HistoryPoint(DateTimeOffset.FromUnixTimeMilliseconds(bucket * msPerBucket), c[0], c[1], c[2], c[3]);
        }

        return points;
    }
}
