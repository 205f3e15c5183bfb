using Errand.Backends;
using Npgsql;

namespace Errand.Postgres;

/// <summary>Connects to a PostgreSQL database by URL: <c>postgresql://[user[:password]@]host[:port]/db</c>, or <c>postgres://...</c>.</summary>
public sealed class PostgresQueueStoreProvider : IQueueStoreProvider
{
    private PostgresQueueStoreProvider()
    {
    }

    /// <summary>Gets the one instance.</summary>
    public static PostgresQueueStoreProvider Instance { get; } = new();

    /// <summary>Gets <c>PostgreSQL</c>.</summary>
    public string Name => "PostgreSQL";

    /// <summary>Gets <c>postgres</c> and <c>postgresql</c>.</summary>
    public IReadOnlyList<string> Schemes { get; } = ["postgres", "postgresql"];

    /// <inheritdoc />
    /// <remarks>Opens one connection at once, to check the server, the credentials and the database; each queue's backend checks SAQ's schema when it is opened.</remarks>
    public async Task<IQueueStore> ConnectAsync(string url, QueueStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = PostgresConnectionString.WithErrandDefaults(PostgresConnectionString.Parse(url));
        if (options.OperationTimeout is { } timeout)
        {
            var seconds = (int)Math.Max(1, Math.Ceiling(timeout.TotalSeconds));
            builder.Timeout = seconds;
            builder.CommandTimeout = seconds;
        }

        builder.ApplicationName ??= "errand";
        var endpoint = PostgresConnectionString.Describe(builder);
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).UseLoggerFactory(NpgsqlLoggerFactory.Wrap(options.LoggerFactory)).Build();
        try
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            return new PostgresQueueStore(dataSource, endpoint, options);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw new BackendUnavailableException(endpoint, Why(ex), ex);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string Why(Exception ex) => ex switch
    {
        PostgresException { SqlState: "28P01" or "28000" } => "it refused the credentials",
        PostgresException { SqlState: "3D000" } => "the database does not exist",
        PostgresException postgres => $"{postgres.MessageText} ({postgres.SqlState})",
        _ => "connection failed",
    };
}
