using Microsoft.Extensions.Logging;

namespace Errand.Redis;

/// <summary>Opens an Errand <see cref="Queue"/> stored in Redis.</summary>
public static class RedisQueueFactory
{
    /// <summary>Connects to Redis and returns a queue over a <see cref="RedisQueueBackend"/> that it owns.</summary>
    /// <param name="url"><c>redis://[user:password@]host:port[/db]</c>, <c>rediss://...</c> for TLS, or a StackExchange.Redis configuration string.</param>
    /// <param name="queueName">The queue name.</param>
    /// <param name="options">The queue options, or <see langword="null"/> for the defaults.</param>
    /// <param name="time">The clock, or <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>The queue; disposing it closes the connection.</returns>
    /// <exception cref="ArgumentException">The URL or the queue name is not valid.</exception>
    public static async Task<Queue> ConnectAsync(
        string url,
        string queueName = "default",
        QueueOptions? options = null,
        TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        var backend = await RedisQueueBackend.ConnectAsync(url, new RedisBackendOptions { QueueName = queueName }, time, loggerFactory, cancellationToken).ConfigureAwait(false);
        return new Queue(backend, options, time, loggerFactory);
    }
}
