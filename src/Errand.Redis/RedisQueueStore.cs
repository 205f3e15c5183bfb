using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>One Redis (one database of it), shared by the backends of its queues through one multiplexer.</summary>
/// <remarks>Safe for concurrent use; disposing it closes the multiplexer, so dispose the queues first.</remarks>
internal sealed class RedisQueueStore(ConnectionMultiplexer multiplexer, string endpoint, int database, QueueStoreOptions options) : IQueueStore
{
    public string Endpoint { get; } = endpoint;

    /// <summary>Gets the replicas every queue's enqueues and finishes wait for (the URL's <c>wait_replicas</c>).</summary>
    public int WaitForReplicas { get; init; }

    /// <summary>Gets how long they wait (the URL's <c>wait_timeout_ms</c>), or <see langword="null"/> for the default.</summary>
    public TimeSpan? ReplicaWaitTimeout { get; init; }

    public Task<IQueueBackend> OpenBackendAsync(string queueName, CancellationToken cancellationToken)
    {
        var backendOptions = new RedisBackendOptions { QueueName = queueName, WaitForReplicas = WaitForReplicas };
        if (options.OperationTimeout is { } timeout)
        {
            backendOptions.OperationTimeout = timeout;
        }

        if (ReplicaWaitTimeout is { } replicaTimeout)
        {
            backendOptions.ReplicaWaitTimeout = replicaTimeout;
        }

        return Task.FromResult<IQueueBackend>(RedisQueueBackend.Create(multiplexer, backendOptions, options.Time, options.LoggerFactory));
    }

    public Task<IReadOnlyList<string>> FindQueuesAsync(CancellationToken cancellationToken) =>
        UnavailableAsBackendError(RedisQueues.FindAsync(multiplexer, database, cancellationToken));

    public Task<bool> QueueExistsAsync(string queueName, CancellationToken cancellationToken) =>
        UnavailableAsBackendError(RedisQueues.ExistsAsync(multiplexer, queueName, database, cancellationToken));

    private async Task<T> UnavailableAsBackendError<T>(Task<T> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new BackendUnavailableException(Endpoint, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await multiplexer.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
        await multiplexer.DisposeAsync().ConfigureAwait(false);
    }
}
