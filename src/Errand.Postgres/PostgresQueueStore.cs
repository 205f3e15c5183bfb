using Errand.Backends;
using Npgsql;

namespace Errand.Postgres;

/// <summary>One PostgreSQL database, shared by the backends of its queues through one <see cref="NpgsqlDataSource"/>.</summary>
/// <remarks>Safe for concurrent use; disposing it disposes the data source, so dispose the queues first.</remarks>
internal sealed class PostgresQueueStore(NpgsqlDataSource dataSource, string endpoint, QueueStoreOptions options) : IQueueStore
{
    private readonly PostgresTables _tables = new(new PostgresBackendOptions());

    public string Endpoint { get; } = endpoint;

    public async Task<IQueueBackend> OpenBackendAsync(string queueName, CancellationToken cancellationToken) =>
        await PostgresQueueBackend.StartedAsync(
            PostgresQueueBackend.Create(dataSource, new PostgresBackendOptions { QueueName = queueName }, options.Time, options.LoggerFactory),
            cancellationToken).ConfigureAwait(false);

    public Task<IReadOnlyList<string>> FindQueuesAsync(CancellationToken cancellationToken) =>
        ReadAsync(
            $"SELECT queue FROM {_tables.Jobs} UNION SELECT queue_key FROM {_tables.Stats} WHERE queue_key IS NOT NULL ORDER BY 1",
            null,
            async reader =>
            {
                var names = new List<string>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    names.Add(reader.GetString(0));
                }

                return (IReadOnlyList<string>)names;
            },
            (IReadOnlyList<string>)[],
            cancellationToken);

    public Task<bool> QueueExistsAsync(string queueName, CancellationToken cancellationToken) =>
        ReadAsync(
            $"SELECT EXISTS (SELECT 1 FROM {_tables.Jobs} WHERE queue = $1) OR EXISTS (SELECT 1 FROM {_tables.Stats} WHERE queue_key = $1)",
            queueName,
            async reader => await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.GetBoolean(0),
            false,
            cancellationToken);

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();

    private async Task<T> ReadAsync<T>(string sql, string? parameter, Func<NpgsqlDataReader, Task<T>> read, T whenNoSchema, CancellationToken cancellationToken)
    {
        try
        {
            var command = dataSource.CreateCommand(sql);
            await using (command.ConfigureAwait(false))
            {
                if (parameter is not null)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = parameter });
                }

                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await read(reader).ConfigureAwait(false);
                }
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // A database no queue was ever opened in: SAQ's tables come with the first one.
            return whenNoSchema;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw new BackendUnavailableException(Endpoint, ex);
        }
    }
}
