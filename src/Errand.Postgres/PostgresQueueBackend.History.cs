using Errand.Backends;

namespace Errand.Postgres;

/// <content>Per-minute history of outcomes, in Errand's <c>errand_history</c>.</content>
public sealed partial class PostgresQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public async Task<IReadOnlyList<HistoryPoint>> GetHistoryAsync(int minutes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, IQueueMonitor.HistoryMinutes);
        var current = NowMs / 60_000;
        var first = current - minutes + 1;
        var counts = new Dictionary<long, long[]>();
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            using var batch = new Npgsql.NpgsqlBatch(connection);
            batch.BatchCommands.Add(Command(
                $"SELECT minute, complete, failed, retried, aborted FROM {_tables.History} WHERE queue = $1 AND minute BETWEEN $2 AND $3",
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

        var points = new HistoryPoint[minutes];
        for (var i = 0; i < minutes; i++)
        {
            var minute = first + i;
            var c = counts.GetValueOrDefault(minute) ?? new long[4];
            points[i] = new HistoryPoint(DateTimeOffset.FromUnixTimeMilliseconds(minute * 60_000), c[0], c[1], c[2], c[3]);
        }

        return points;
    }
}
