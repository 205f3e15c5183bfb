using Errand.Backends;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>Stores one queue in Redis, in the layout Python SAQ uses (<c>spec/saq-redis-format.md</c>), so that SAQ and Errand share a Redis.</summary>
/// <remarks>
/// Safe for concurrent use. Every command but BLMOVE goes through one shared <see cref="IConnectionMultiplexer"/>;
/// an idle dequeue blocks on a dedicated connection of its own, because a blocking command would stall every other
/// caller of a shared multiplexer. Connections opened by the backend do not give up when Redis is down
/// (<c>AbortOnConnectFail=false</c>): they reconnect by themselves and commands fail with
/// <see cref="BackendUnavailableException"/> only after <see cref="RedisBackendOptions.OperationTimeout"/>.
/// </remarks>
public sealed partial class RedisQueueBackend : IQueueBackend
{
    private readonly RedisBackendOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RedisKeys _keys;
    private readonly IConnectionMultiplexer _multiplexer;
    private readonly bool _ownsMultiplexer;
    private readonly IDatabase _db;
    private readonly ConfigurationOptions _blockingConfiguration;
    private readonly string _endpoint;
    private int _disposed;

    private RedisQueueBackend(
        IConnectionMultiplexer multiplexer,
        bool ownsMultiplexer,
        ConfigurationOptions configuration,
        RedisBackendOptions options,
        TimeProvider? time,
        ILoggerFactory? loggerFactory)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RedisQueueBackend>();
        _keys = new RedisKeys(options.QueueName);
        _multiplexer = multiplexer;
        _ownsMultiplexer = ownsMultiplexer;
        _db = multiplexer.GetDatabase(configuration.DefaultDatabase ?? -1);
        _endpoint = RedisConnectionString.Describe(configuration);
        _blockingConfiguration = BlockingConfiguration(configuration, options);

        // On a cluster, a name without a hash tag is refused here, at connect (when a server has answered by now).
        _ = IsCluster;

        // Real time on purpose: it paces round trips, not job time.
        _cycleTimer = TimeProvider.System.CreateTimer(static backend => ((RedisQueueBackend)backend!).OnCycleTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        RedisLog.Connected(_logger, options.QueueName, _endpoint);
    }

    /// <summary>Gets the capabilities of the Redis backend: blocking dequeue, notifications across processes, durable storage, limits.</summary>
    public BackendCapabilities Capabilities =>
        BackendCapabilities.BlockingDequeue | BackendCapabilities.CrossProcessNotifications | BackendCapabilities.Durable | BackendCapabilities.Limits;

    /// <inheritdoc />
    public string QueueName => _options.QueueName;

    /// <summary>Connects to Redis and returns a backend that owns the connection.</summary>
    /// <param name="url"><c>redis://[user:password@]host:port[/db]</c>, <c>rediss://...</c> for TLS, or a StackExchange.Redis configuration string.</param>
    /// <param name="options">The backend options; <see cref="RedisBackendOptions.QueueName"/> is required.</param>
    /// <param name="time">The clock every "now" is read from, or <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the connection attempt.</param>
    /// <returns>The backend; disposing it closes its connections.</returns>
    /// <exception cref="ArgumentException">The URL or an option is not valid, or the server is a Redis Cluster and the queue name holds no hash tag (such as <c>{emails}</c>).</exception>
    /// <remarks>It returns even when Redis cannot be reached yet; the connection keeps trying in the background.</remarks>
    public static async Task<RedisQueueBackend> ConnectAsync(
        string url,
        RedisBackendOptions options,
        TimeProvider? time = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = RedisConnectionString.Parse(url);
        var (replicas, replicaTimeout) = RedisConnectionString.ReplicaWait(url);
        if (options.WaitForReplicas == 0)
        {
            options.WaitForReplicas = replicas;
            options.ReplicaWaitTimeout = replicaTimeout ?? options.ReplicaWaitTimeout;
        }

        options.Validate();
        configuration.AbortOnConnectFail = false;
        configuration.ClientName ??= options.ClientName;
        configuration.ConnectTimeout = Milliseconds(options.ConnectTimeout);
        configuration.SyncTimeout = Milliseconds(options.OperationTimeout);
        configuration.AsyncTimeout = Milliseconds(options.OperationTimeout);
        var multiplexer = await ConnectOwnedAsync(configuration, cancellationToken).ConfigureAwait(false);
        try
        {
            return new RedisQueueBackend(multiplexer, ownsMultiplexer: true, configuration, options, time, loggerFactory);
        }
        catch (ArgumentException)
        {
            await multiplexer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Returns a backend over a multiplexer shared with other queues of the process; the backend does not dispose it.</summary>
    /// <param name="multiplexer">The shared multiplexer. Blocking dequeues open their own connections from its configuration.</param>
    /// <param name="options">The backend options; <see cref="RedisBackendOptions.QueueName"/> is required.</param>
    /// <param name="time">The clock every "now" is read from, or <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    /// <returns>The backend.</returns>
    /// <exception cref="ArgumentException">An option is not valid, or the server is a Redis Cluster and the queue name holds no hash tag (such as <c>{emails}</c>).</exception>
    public static RedisQueueBackend Create(IConnectionMultiplexer multiplexer, RedisBackendOptions options, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var configuration = ConfigurationOptions.Parse(multiplexer.Configuration);
        return new RedisQueueBackend(multiplexer, ownsMultiplexer: false, configuration, options, time, loggerFactory);
    }

    /// <summary>Closes the subscriptions and the blocking connections, and the shared connection when the backend opened it.</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _cycleTimer.DisposeAsync().ConfigureAwait(false);
        await FlushCycleAsync().ConfigureAwait(false);
        await CloseNotificationsAsync().ConfigureAwait(false);
        await ClosePauseChannelAsync().ConfigureAwait(false);
        await CloseBlockingConnectionsAsync().ConfigureAwait(false);
        if (_ownsMultiplexer)
        {
            await _multiplexer.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
            _multiplexer.Dispose();
        }
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static int Milliseconds(TimeSpan value) => (int)Math.Min(int.MaxValue, Math.Ceiling(value.TotalMilliseconds));

    internal static async Task<ConnectionMultiplexer> ConnectOwnedAsync(ConfigurationOptions configuration, CancellationToken cancellationToken)
    {
        var connecting = ConnectionMultiplexer.ConnectAsync(configuration);
        try
        {
            return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Close the connection it still makes, so that nothing leaks.
            _ = connecting.ContinueWith(
                static t => t.Result.Dispose(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }

    private static ConfigurationOptions BlockingConfiguration(ConfigurationOptions configuration, RedisBackendOptions options)
    {
        var blocking = configuration.Clone();
        var timeout = Milliseconds(options.MaxBlockingWait + options.OperationTimeout);
        blocking.AbortOnConnectFail = false;

        // For CLIENT ID and CLIENT UNBLOCK only: these connections are private to the backend.
        blocking.AllowAdmin = true;
        blocking.SyncTimeout = timeout;
        blocking.AsyncTimeout = timeout;
        blocking.ClientName = (configuration.ClientName ?? options.ClientName) + ":blocking";
        return blocking;
    }

    private BackendUnavailableException Unavailable(Exception exception) => new(_endpoint, exception);

    /// <summary>
    /// Waits until <see cref="RedisBackendOptions.WaitForReplicas"/> replicas have every write this backend's connection
    /// made so far (Redis <c>WAIT</c>); at once when none is asked for.
    /// </summary>
    /// <exception cref="BackendUnavailableException">Fewer replicas confirmed the writes within the timeout.</exception>
    private async Task ConfirmReplicatedAsync()
    {
        if (_options.WaitForReplicas == 0)
        {
            return;
        }

        var timeout = Milliseconds(_options.ReplicaWaitTimeout);
        // On a cluster, WAIT goes to the master of the queue's slot: the one connection to it that carried the writes.
        var wait = IsCluster
            ? QueueServer(_multiplexer).ExecuteAsync("WAIT", _options.WaitForReplicas, timeout)
            : _db.ExecuteAsync("WAIT", _options.WaitForReplicas, timeout);
        var confirmed = (long)await wait.ConfigureAwait(false);
        if (confirmed < _options.WaitForReplicas)
        {
            throw new BackendUnavailableException(
                _endpoint,
                $"the write is on the primary but {confirmed} of the {_options.WaitForReplicas} replicas asked for confirmed it within {timeout} ms",
                new RedisException($"WAIT {_options.WaitForReplicas} {timeout} returned {confirmed}"));
        }
    }

    private static bool IsUnavailable(Exception exception) => exception is RedisConnectionException or RedisTimeoutException || IsClusterBusy(exception);

    private RedisValue[] JobIdsOf(IReadOnlyList<string> keys)
    {
        var ids = new RedisValue[keys.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = RedisJobIds.For(QueueName, keys[i]);
        }

        return ids;
    }

    private void EnsureOwnJob(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!string.Equals(job.Queue, QueueName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Job {job.Key} belongs to queue '{job.Queue}', not '{QueueName}'.", nameof(job));
        }
    }
}
