using Microsoft.Extensions.Logging;

namespace Errand.Postgres;

/// <summary>Opens an Errand <see cref="Queue"/> stored in PostgreSQL.</summary>
public static class PostgresQueueFactory
{
    /// <summary>Connects to PostgreSQL, migrates SAQ's schema when needed, and returns a queue over a <see cref="PostgresQueueBackend"/> that it owns.</summary>
    /// <param name="url"><c>postgresql://[user[:password]@]host[:port]/db[?params]</c> (or <c>postgres://</c>), or an Npgsql connection string.</param>
    /// <param name="queueName">The queue name.</param>
    /// <param name="options">The queue options, or <see langword="null"/> for the defaults.</param>
    /// <param name="time">The clock, or <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>The queue; disposing it closes the connections.</returns>
    /// <exception cref="ArgumentException">The URL or the queue name is not valid.</exception>
    /// <exception cref="BackendUnavailableException">PostgreSQL could not be reached.</exception>
    public static async Task<Queue> ConnectAsync(
        string url,
        string queueName = "default",
        QueueOptions? options = null,
        TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        var backend = await PostgresQueueBackend.ConnectAsync(url, new PostgresBackendOptions { QueueName = queueName }, time, loggerFactory, cancellationToken).ConfigureAwait(false);
        return new Queue(backend, options, time, loggerFactory);
    }
}
