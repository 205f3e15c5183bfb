using Errand.Redis;
using StackExchange.Redis;

namespace Errand.Cli;

/// <summary>One connection to the Redis a command looks at: finds its queues (<see cref="RedisQueues"/>) and opens them.</summary>
internal sealed class RedisSession : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly TimeSpan _timeout;

    private RedisSession(ConnectionMultiplexer multiplexer, string endpoint, int database, TimeSpan timeout)
    {
        _multiplexer = multiplexer;
        Endpoint = endpoint;
        Database = multiplexer.GetDatabase(database);
        _timeout = timeout;
    }

    /// <summary>Gets the server, without credentials.</summary>
    public string Endpoint { get; }

    public IDatabase Database { get; }

    public static async Task<RedisSession> ConnectAsync(string url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var options = ParseUrl(url);
        var endpoint = RedisConnectionString.Describe(options);
        var milliseconds = (int)Math.Ceiling(timeout.TotalMilliseconds);
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = milliseconds;
        options.SyncTimeout = milliseconds;
        options.AsyncTimeout = milliseconds;
        options.ClientName ??= "errand-cli";
        try
        {
            var multiplexer = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new RedisSession(multiplexer, endpoint, options.DefaultDatabase ?? 0, timeout);
        }
        catch (RedisConnectionException ex)
        {
            var why = ex.FailureType == ConnectionFailureType.AuthenticationFailure ? "it refused the credentials" : "connection failed";
            throw new CliException(ExitCodes.Unreachable, $"cannot reach Redis at {endpoint}: {why} ({ex.FailureType}).");
        }
    }

    /// <summary>Returns the names of the queues stored in this Redis, sorted.</summary>
    public Task<IReadOnlyList<string>> FindQueuesAsync(CancellationToken cancellationToken) =>
        RedisQueues.FindAsync(_multiplexer, Database.Database, cancellationToken);

    /// <summary>Returns whether anything of queue <paramref name="name"/> is stored: its lists and sets, a worker, or a job document.</summary>
    public Task<bool> QueueExistsAsync(string name, CancellationToken cancellationToken) =>
        RedisQueues.ExistsAsync(_multiplexer, name, Database.Database, cancellationToken);

    /// <summary>Opens queue <paramref name="name"/> over this session's connection; disposing the queue leaves the connection open.</summary>
    public Queue Open(string name) =>
        new(RedisQueueBackend.Create(_multiplexer, new RedisBackendOptions { QueueName = name, OperationTimeout = _timeout }));

    /// <summary>Opens queue <paramref name="name"/>, or fails with <see cref="ExitCodes.QueueNotFound"/> when nothing of it is stored.</summary>
    public async Task<Queue> OpenExistingAsync(string name, CancellationToken cancellationToken)
    {
        if (!await QueueExistsAsync(name, cancellationToken).ConfigureAwait(false))
        {
            throw QueueNotFound(name);
        }

        return Open(name);
    }

    public CliException QueueNotFound(string name) =>
        new(ExitCodes.QueueNotFound, $"queue '{name}' not found at {Endpoint} (no saq:{name}:* keys, no worker, no job).");

    public ValueTask DisposeAsync() => _multiplexer.DisposeAsync();

    private static ConfigurationOptions ParseUrl(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0 && !url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            throw new CliException(ExitCodes.BadUrl, $"the URL has the scheme '{url[..scheme]}'; use redis://[user:password@]host:port[/db] or rediss://... for TLS.");
        }

        try
        {
            var options = RedisConnectionString.Parse(url);
            return options.EndPoints.Count > 0 ? options : throw new ArgumentException("The Redis URL names no server.");
        }
        catch (ArgumentException ex)
        {
            // RedisConnectionString's messages never repeat the URL, which may hold a password.
            var message = ex.ParamName is { } name ? ex.Message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal) : ex.Message;
            throw new CliException(ExitCodes.BadUrl, $"the Redis URL is not valid: {message}");
        }
    }
}
