using Errand.Backends;
using Microsoft.Extensions.Logging;

namespace Errand.Hosting;

/// <summary>A queue opened from the store of a URL (<see cref="QueueStoreSchemes"/>); disposing it closes both.</summary>
internal sealed class OpenedQueue : IAsyncDisposable
{
    private readonly IQueueStore _store;

    private OpenedQueue(IQueueStore store, Queue queue)
    {
        _store = store;
        Queue = queue;
    }

    public Queue Queue { get; }

    /// <summary>Gets where the queue is stored, without credentials.</summary>
    public string Endpoint => _store.Endpoint;

    public static async Task<OpenedQueue> OpenAsync(string? url, string queueName, QueueOptions? options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var store = await BuiltInStores.Schemes.ConnectAsync(url, new QueueStoreOptions { LoggerFactory = loggerFactory }, cancellationToken).ConfigureAwait(false);
        return new OpenedQueue(store, new Queue(await store.OpenBackendAsync(queueName, cancellationToken).ConfigureAwait(false), options, loggerFactory: loggerFactory));
    }

    public async ValueTask DisposeAsync()
    {
        await Queue.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
