using Errand.Backends;
using Errand.Postgres;
using Npgsql;

namespace Errand.Bench;

/// <summary>
/// Opens <c>postgres://</c> and <c>postgresql://</c> URLs for the Errand driver until Errand.Postgres has its own
/// <see cref="IQueueStoreProvider"/> (it has <c>PostgresQueue</c> and <c>PostgresQueueBackend</c> so far): one data
/// source per URL, as <c>PostgresQueueBackend.ConnectAsync</c> makes it, and each queue's backend over it. Replace it
/// with the backend's provider in <see cref="ErrandDriver.Providers"/> and delete this file once that lands.
/// </summary>
internal sealed class PostgresBenchStoreProvider : IQueueStoreProvider
{
    private PostgresBenchStoreProvider()
    {
    }

    public static PostgresBenchStoreProvider Instance { get; } = new();

    public string Name => "PostgreSQL";

    public IReadOnlyList<string> Schemes { get; } = ["postgres", "postgresql"];

    public Task<IQueueStore> ConnectAsync(string url, QueueStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = PostgresConnectionString.Parse(url);
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).UseLoggerFactory(options.LoggerFactory).Build();
        return Task.FromResult<IQueueStore>(new Store(dataSource, PostgresConnectionString.Describe(builder), options));
    }

    private sealed class Store(NpgsqlDataSource dataSource, string endpoint, QueueStoreOptions options) : IQueueStore
    {
        public string Endpoint => endpoint;

        public IQueueBackend OpenBackend(string queueName)
        {
            var backend = PostgresQueueBackend.Create(dataSource, new PostgresBackendOptions { QueueName = queueName }, options.Time, options.LoggerFactory);

            // The schema migration and the listener, which ConnectAsync runs before it returns; the driver opens its
            // queue before '@ready', so nothing waits on this but the driver's start-up.
            backend.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            return backend;
        }

        public Task<IReadOnlyList<string>> FindQueuesAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> QueueExistsAsync(string queueName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => dataSource.DisposeAsync();
    }
}
