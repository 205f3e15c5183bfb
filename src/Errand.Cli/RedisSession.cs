using Errand.Redis;
using StackExchange.Redis;

namespace Errand.Cli;

/// <summary>One connection to the Redis a command looks at: finds its queues and opens them.</summary>
/// <remarks>
/// Queues are found by SCAN over <c>saq:*</c>, keeping the names in SAQ's per-queue keys: <c>saq:Q:incomplete</c>,
/// <c>:queued</c>, <c>:active</c>, <c>:schedule</c>, <c>:stats</c>, <c>:sweep</c> and <c>saq:Q:worker_info:W</c>.
/// Job documents (<c>saq:job:Q:KEY</c>) are not used to name queues (a key may hold <c>:</c>), so a queue whose jobs have
/// all finished and which has no worker is not listed; naming it with <c>--queue</c> still works while its documents live.
/// </remarks>
internal sealed class RedisSession : IAsyncDisposable
{
    private static readonly string[] QueueSuffixes = [":incomplete", ":queued", ":active", ":schedule", ":stats", ":sweep"];
    private const string WorkerInfoInfix = ":worker_info:";
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
    public async Task<IReadOnlyList<string>> FindQueuesAsync(CancellationToken cancellationToken)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var server in _multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(Database.Database, "saq:*", pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (QueueOf(key.ToString()) is { } name)
                {
                    names.Add(name);
                }
            }
        }

        return [.. names];
    }

    /// <summary>Returns whether anything of queue <paramref name="name"/> is stored: its lists and sets, a worker, or a job document.</summary>
    public async Task<bool> QueueExistsAsync(string name, CancellationToken cancellationToken)
    {
        var keys = QueueSuffixes.Select(suffix => (RedisKey)$"saq:{name}{suffix}").ToArray();
        if (await Database.KeyExistsAsync(keys).ConfigureAwait(false) > 0)
        {
            return true;
        }

        var escaped = EscapeGlob(name);
        foreach (var pattern in new[] { $"saq:{escaped}{WorkerInfoInfix}*", $"saq:job:{escaped}:*" })
        {
            foreach (var server in _multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            {
                await foreach (var _ in server.KeysAsync(Database.Database, pattern, pageSize: 1000).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }
            }
        }

        return false;
    }

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

    /// <summary>Returns the queue a SAQ key belongs to, or <see langword="null"/> for job documents, abort markers and other keys.</summary>
    internal static string? QueueOf(string key)
    {
        if (!key.StartsWith("saq:", StringComparison.Ordinal) || key.StartsWith("saq:job:", StringComparison.Ordinal) || key.StartsWith("saq:abort:", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key[4..];
        var worker = rest.IndexOf(WorkerInfoInfix, StringComparison.Ordinal);
        if (worker > 0)
        {
            return rest[..worker];
        }

        foreach (var suffix in QueueSuffixes)
        {
            if (rest.Length > suffix.Length && rest.EndsWith(suffix, StringComparison.Ordinal))
            {
                return rest[..^suffix.Length];
            }
        }

        return null;
    }

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

    private static string EscapeGlob(string value)
    {
        var builder = new System.Text.StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
