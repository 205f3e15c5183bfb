namespace Errand.Backends;

/// <summary>For backend authors: connects to one kind of storage engine by URL; what a backend package registers (<c>UseRedis</c>, <c>UsePostgres</c>).</summary>
/// <remarks>Implementations are stateless and safe for concurrent use.</remarks>
public interface IQueueStoreProvider
{
    /// <summary>Gets the engine's name, for messages: <c>Redis</c>, <c>PostgreSQL</c>.</summary>
    string Name { get; }

    /// <summary>Gets the URL schemes this provider takes, lower case, without <c>://</c>: <c>redis</c>, <c>rediss</c>.</summary>
    IReadOnlyList<string> Schemes { get; }

    /// <summary>Connects to the store at <paramref name="url"/>.</summary>
    /// <param name="url">A URL of one of <see cref="Schemes"/>.</param>
    /// <param name="options">The clock, logging, timeout and connection behaviour.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>The store; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">The URL is not valid; the message never repeats it, since it may hold a password.</exception>
    /// <exception cref="BackendUnavailableException">The engine cannot be reached, and <see cref="QueueStoreOptions.FailFast"/> is set.</exception>
    Task<IQueueStore> ConnectAsync(string url, QueueStoreOptions options, CancellationToken cancellationToken);
}
