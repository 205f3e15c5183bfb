using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>
/// Connects to a Redis by URL: <c>redis://[user:password@]host:port[/db]</c>, <c>rediss://...</c> for TLS, or
/// <c>redis+sentinel://host:port[,host:port...]/SERVICE[/db]</c> for the primary a set of Sentinels watches.
/// </summary>
public sealed class RedisQueueStoreProvider : IQueueStoreProvider
{
    /// <summary>Gets the one instance.</summary>
    public static RedisQueueStoreProvider Instance { get; } = new();

    private RedisQueueStoreProvider()
    {
    }

    /// <summary>Gets <c>Redis</c>.</summary>
    public string Name => "Redis";

    /// <summary>Gets <c>redis</c>, <c>rediss</c>, <c>redis+sentinel</c> and <c>rediss+sentinel</c>.</summary>
    public IReadOnlyList<string> Schemes => RedisConnectionString.Schemes;

    /// <inheritdoc />
    public async Task<IQueueStore> ConnectAsync(string url, QueueStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = RedisConnectionString.Parse(url);
        var (replicas, replicaTimeout) = RedisConnectionString.ReplicaWait(url);
        if (configuration.EndPoints.Count == 0)
        {
            throw new ArgumentException("The Redis URL names no server.", nameof(url));
        }

        var endpoint = RedisConnectionString.Describe(configuration);
        var timeout = (int)Math.Ceiling((options.OperationTimeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds);
        configuration.AbortOnConnectFail = options.FailFast;
        configuration.ConnectTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;
        configuration.ClientName ??= "errand";
        if (options.FailFast)
        {
            configuration.ConnectRetry = 1;
        }

        try
        {
            var multiplexer = await RedisQueueBackend.ConnectOwnedAsync(configuration, cancellationToken).ConfigureAwait(false);
            return new RedisQueueStore(multiplexer, endpoint, configuration.DefaultDatabase ?? 0, options) { WaitForReplicas = replicas, ReplicaWaitTimeout = replicaTimeout };
        }
        catch (RedisConnectionException ex)
        {
            var why = ex.FailureType == ConnectionFailureType.AuthenticationFailure ? "it refused the credentials" : "connection failed";
            throw new BackendUnavailableException(endpoint, $"{why} ({ex.FailureType})", ex);
        }
    }
}
