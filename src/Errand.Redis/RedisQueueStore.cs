using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>One Redis (one database of it), shared by the backends of its queues through one multiplexer.</summary>
/// <remarks>Safe for concurrent use; disposing it closes the multiplexer, so dispose the queues first.</remarks>
internal sealed class RedisQueueStore(ConnectionMultiplexer multiplexer, string endpoint, int database, QueueStoreOptions options) : IQueueStore
{
    public string Endpoint { get; } = endpoint;

    public Task<IQueueBackend> OpenBackendAsync(string queueName, CancellationToken cancellationToken)
    {
        var backendOptions = new RedisBackendOptions { QueueName = queueName };
        if (options.OperationTimeout is { } timeout)
        {
            backendOptions.OperationTimeout = timeout;
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
