namespace Errand.Backends;

/// <summary>One connection to a storage engine (a Redis, a PostgreSQL database, or this process's memory), from which the backends of its queues are opened.</summary>
/// <remarks>
/// Safe for concurrent use. Backends opened from a store share its connection: disposing one leaves the connection
/// open; disposing the store closes it, so dispose the queues first. A store is what the <c>errand</c> command, the
/// worker host and the ASP.NET Core integration open for a URL (<see cref="QueueStoreSchemes"/>).
/// </remarks>
public interface IQueueStore : IAsyncDisposable
{
    /// <summary>Gets where the store is, without credentials, for messages and logs (<c>redis://host:6379</c>, <c>postgresql://host:5432/db</c>, <c>memory</c>).</summary>
    string Endpoint { get; }

    /// <summary>Opens the backend of queue <paramref name="queueName"/> over this store's connection, with the clock, logging and timeout the store was connected with.</summary>
    /// <param name="queueName">The queue name.</param>
    /// <param name="cancellationToken">Cancels what opening needs (PostgreSQL checks its schema and starts listening).</param>
    /// <returns>The backend; disposing it leaves the store's connection open.</returns>
    /// <exception cref="BackendUnavailableException">The engine cannot be reached, where opening needs it.</exception>
    Task<IQueueBackend> OpenBackendAsync(string queueName, CancellationToken cancellationToken);

    /// <summary>Lists the names of the queues the store holds, sorted.</summary>
    /// <param name="cancellationToken">Cancels the wait for the engine.</param>
    /// <returns>The names.</returns>
    Task<IReadOnlyList<string>> FindQueuesAsync(CancellationToken cancellationToken);

    /// <summary>Returns whether anything of queue <paramref name="queueName"/> is stored: a job, a list, a worker.</summary>
    /// <param name="queueName">The queue name.</param>
    /// <param name="cancellationToken">Cancels the wait for the engine.</param>
    /// <returns><see langword="true"/> when the queue has something stored.</returns>
    Task<bool> QueueExistsAsync(string queueName, CancellationToken cancellationToken);
}
