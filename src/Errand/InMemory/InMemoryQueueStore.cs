using Errand.Backends;

namespace Errand.InMemory;

/// <summary>The store of queues kept in this process's memory: what no URL means.</summary>
/// <remarks>Safe for concurrent use. Each queue name opens one backend, shared by every later open of that name until the store is disposed.</remarks>
internal sealed class InMemoryQueueStore : IQueueStore
{
    private readonly QueueStoreOptions _options;
    private readonly Dictionary<string, InMemoryQueueBackend> _queues = new(StringComparer.Ordinal);

    /// <summary>Initializes an empty store.</summary>
    /// <param name="options">The clock the backends read; the rest does not apply to memory.</param>
    public InMemoryQueueStore(QueueStoreOptions? options = null) => _options = options ?? new QueueStoreOptions();

    /// <summary>Gets <c>memory</c>.</summary>
    public string Endpoint => "memory";

    /// <inheritdoc />
    public Task<IQueueBackend> OpenBackendAsync(string queueName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(queueName);
        lock (_queues)
        {
            if (!_queues.TryGetValue(queueName, out var backend) || backend.IsDisposed)
            {
                _queues[queueName] = backend = new InMemoryQueueBackend(queueName, _options.Time);
            }

            return Task.FromResult<IQueueBackend>(backend);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> FindQueuesAsync(CancellationToken cancellationToken)
    {
        lock (_queues)
        {
            return Task.FromResult<IReadOnlyList<string>>([.. _queues.Keys.Order(StringComparer.Ordinal)]);
        }
    }

    /// <inheritdoc />
    public Task<bool> QueueExistsAsync(string queueName, CancellationToken cancellationToken)
    {
        lock (_queues)
        {
            return Task.FromResult(_queues.ContainsKey(queueName));
        }
    }

    /// <summary>Disposes every backend the store opened.</summary>
    /// <returns>A task that completes when they are disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        InMemoryQueueBackend[] backends;
        lock (_queues)
        {
            backends = [.. _queues.Values];
            _queues.Clear();
        }

        foreach (var backend in backends)
        {
            await backend.DisposeAsync().ConfigureAwait(false);
        }
    }
}
