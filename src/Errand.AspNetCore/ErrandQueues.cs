using Errand.AspNetCore.JobServices;
using Errand.Backends;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Errand.AspNetCore;

/// <summary>Creates the configured queues once, over one store chosen by URL (<see cref="QueueStoreSchemes"/>); disposes what it created.</summary>
internal sealed class ErrandQueues : IQueueProvider, IAsyncDisposable
{
    private readonly ErrandOptions _options;
    private readonly IReadOnlyDictionary<string, Queue> _external;
    private readonly JobServiceRegistry _registry;
    private readonly IServiceProviderIsService _isService;
    private readonly QueueStoreSchemes _schemes;
    private readonly QueueStoreSelection? _selection;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly List<Queue> _owned = [];
    private Dictionary<string, Queue>? _queues;
    private IQueueStore? _store;
    private int _disposed;

    public ErrandQueues(
        IOptions<ErrandOptions> options,
        IEnumerable<ExternalQueue> external,
        JobServiceRegistry registry,
        IServiceProviderIsService isService,
        QueueStoreSchemes schemes,
        IEnumerable<QueueStoreSelection> selections,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _options.Validate();
        _external = external.GroupBy(q => q.Queue.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Queue, StringComparer.Ordinal);
        _registry = registry;
        _isService = isService;
        _schemes = schemes;
        _selection = selections.LastOrDefault();
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Errand.AspNetCore");
        Names = [.. _options.QueueNames, .. _external.Keys.Where(n => !_options.QueueNames.Contains(n, StringComparer.Ordinal))];
    }

    public IReadOnlyList<string> Names { get; }

    public IQueue Default => Get(_options.Queue);

    /// <summary>Gets the queue options each queue is created with: its job defaults over the application's, and its limits.</summary>
    public QueueOptions QueueOptionsFor(string name) => _options.Queues.TryGetValue(name, out var settings)
        ? new() { JobDefaults = settings.JobDefaults.WithDefaults(_options.JobDefaults), Limits = settings.Limits }
        : new() { JobDefaults = _options.JobDefaults };

    public IQueue Get(string name) => GetQueue(name);

    /// <summary>Gets the queue named <paramref name="name"/>, as the <see cref="Queue"/> a worker runs.</summary>
    public Queue GetQueue(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var queues = _queues ?? Initialize(CancellationToken.None).GetAwaiter().GetResult();
        return queues.TryGetValue(name, out var queue)
            ? queue
            : throw new ArgumentException($"No Errand queue is named '{name}'. Queues: {string.Join(", ", Names)}. Add it under Errand:Queues or with AddQueue.", nameof(name));
    }

    /// <summary>Creates the queues (and connects to their store) now, rather than on first use.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken) => await Initialize(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        // The container may dispose this instance twice: as itself and as IQueueProvider.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var queue in _owned)
        {
            await queue.DisposeAsync().ConfigureAwait(false);
        }

        if (_store is { } store)
        {
            await store.DisposeAsync().ConfigureAwait(false);
        }

        _lock.Dispose();
    }

    private async Task<Dictionary<string, Queue>> Initialize(CancellationToken cancellationToken)
    {
        if (_queues is { } ready)
        {
            return ready;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_queues is { } created)
            {
                return created;
            }

            var owned = Names.Where(n => !_external.ContainsKey(n)).ToList();
            if (owned.Count > 0)
            {
                await ConnectAsync(string.Join(", ", owned), cancellationToken).ConfigureAwait(false);
            }

            var queues = new Dictionary<string, Queue>(StringComparer.Ordinal);
            foreach (var name in Names)
            {
                var owner = _external.TryGetValue(name, out var given)
                    ? given
                    : new Queue(await _store!.OpenBackendAsync(name, cancellationToken).ConfigureAwait(false), QueueOptionsFor(name), _time, _loggerFactory);
                if (!_external.ContainsKey(name))
                {
                    _owned.Add(owner);
                }

                // The container disposes what it hands out; the backends are closed here, by their owner.
                var queue = owner.Borrow();
                ServiceJobBinding.Attach(queue, _registry, _isService);
                queues[name] = queue;
            }

            _queues = queues;
            return queues;
        }
        finally
        {
            _lock.Release();
        }
    }

    private Backends.IQueueStoreProvider? FindConfigured()
    {
        try
        {
            return _schemes.Find(_options.Url);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Errand:Url is not usable. {ex.Message.Replace(" (Parameter 'url')", string.Empty, StringComparison.Ordinal)}", nameof(ErrandOptions.Url), ex);
        }
    }

    private async Task ConnectAsync(string names, CancellationToken cancellationToken)
    {
        var options = new QueueStoreOptions { Time = _time, LoggerFactory = _loggerFactory };
        if (_selection is { } selected)
        {
            _store = await selected.Provider.ConnectAsync(selected.Url, options, cancellationToken).ConfigureAwait(false);
            ErrandLog.QueuesStored(_logger, names, selected.Provider.Name, _store.Endpoint);
        }
        else if (FindConfigured() is { } provider)
        {
            _store = await provider.ConnectAsync(_options.Url!, options, cancellationToken).ConfigureAwait(false);
            ErrandLog.QueuesStored(_logger, names, provider.Name, _store.Endpoint);
        }
        else
        {
            _store = await _schemes.ConnectAsync(null, options, cancellationToken).ConfigureAwait(false);
            ErrandLog.InMemoryQueues(_logger, names);
        }
    }
}

/// <summary>A queue the application built itself and handed to <c>AddQueue</c>; Errand uses it and does not dispose it.</summary>
internal sealed record ExternalQueue(Queue Queue);
