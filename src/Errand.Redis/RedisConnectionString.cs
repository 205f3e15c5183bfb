using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>
/// Reads <c>redis://[user:password@]host:port[,host:port...][/db]</c> (several nodes: a Redis Cluster's seeds), <c>rediss://</c> (TLS),
/// <c>redis+sentinel://[user:password@]host:port[,host:port...]/SERVICE[/db]</c> (a primary found and followed through
/// Sentinel; <c>rediss+sentinel://</c> with TLS), or a StackExchange.Redis configuration string.
/// </summary>
/// <remarks>Public for the worker host and the <c>errand</c> command, which open connections of their own and name servers in messages.</remarks>
internal static class RedisConnectionString
{
    private const int DefaultPort = 6379;

    private const int DefaultSentinelPort = 26379;

    /// <summary>Gets the URL schemes this parser reads (besides StackExchange.Redis configuration strings).</summary>
    public static IReadOnlyList<string> Schemes { get; } = ["redis", "rediss", "redis+sentinel", "rediss+sentinel"];

    /// <summary>Parses a Redis URL or a StackExchange.Redis configuration string.</summary>
    /// <param name="url">
    /// <c>redis://[user:password@]host:port[/db]</c>, <c>rediss://...</c> for TLS,
    /// <c>redis+sentinel://[user:password@]host:port[,host:port...]/SERVICE[/db]</c> (the Sentinels, port 26379 by default,
    /// and the name of the primary they watch), or a StackExchange.Redis configuration string.
    /// </param>
    /// <returns>The connection options.</returns>
    /// <exception cref="ArgumentException">The URL is not valid; the message never repeats it, since it may hold a password.</exception>
    public static ConfigurationOptions Parse(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (url.StartsWith("redis+sentinel://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rediss+sentinel://", StringComparison.OrdinalIgnoreCase))
        {
            return ParseSentinel(url);
        }

        if (!url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigurationOptions.Parse(url);
        }

        if (Authority(url).Contains(',', StringComparison.Ordinal))
        {
            return ParseNodes(url);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            // Never echo the URL: it may hold a password.
            throw new ArgumentException("The Redis URL is not of the form redis://[user:password@]host:port[/db].", nameof(url));
        }

        var options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        options.EndPoints.Add(host, uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port);
        if (options.Ssl)
        {
            options.SslHost = host;
        }

        SetCredentials(options, uri.UserInfo);
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            options.DefaultDatabase = Database(path, "redis://host:port/0", url);
        }

        return options;
    }

    // The part between :// and the path or query: [user:password@]host[:port][,host[:port]...].
    private static string Authority(string url)
    {
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var end = rest.IndexOfAny(['/', '?']);
        return end < 0 ? rest : rest[..end];
    }

    // redis://[user:password@]host[:port],host[:port]...[/db]: several nodes of one deployment, any of which may answer
    // first (a Redis Cluster's seed nodes: StackExchange.Redis finds the rest of the cluster from any one of them).
    private static ConfigurationOptions ParseNodes(string url)
    {
        const string Form = "redis://[user:password@]host:port,host:port...[/db]";
        var authority = Authority(url);
        var rest = url[(url.IndexOf("://", StringComparison.Ordinal) + 3 + authority.Length)..];
        if (rest.IndexOf('?', StringComparison.Ordinal) is >= 0 and var query)
        {
            rest = rest[..query];
        }

        var path = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = authority.LastIndexOf('@');
        var hosts = at < 0 ? authority : authority[(at + 1)..];
        if (path.Length > 1 || hosts.Length == 0)
        {
            throw new ArgumentException($"The Redis URL is not of the form {Form}.", nameof(url));
        }

        var options = new ConfigurationOptions { Ssl = url.StartsWith("rediss", StringComparison.OrdinalIgnoreCase) };
        AddHosts(options, hosts, DefaultPort, Form, url);
        if (options.Ssl && options.EndPoints[0] is DnsEndPoint first)
        {
            options.SslHost = first.Host;
        }

        SetCredentials(options, at < 0 ? string.Empty : authority[..at]);
        if (path.Length == 1)
        {
            options.DefaultDatabase = Database(path[0], "redis://host:port,host:port/0", url);
        }

        return options;
    }

    private static void AddHosts(ConfigurationOptions options, string hosts, int defaultPort, string form, string url)
    {
        foreach (var host in hosts.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate("redis://" + host, UriKind.Absolute, out var node) || string.IsNullOrEmpty(node.Host) || node.AbsolutePath != "/")
            {
                throw new ArgumentException($"A server in the Redis URL is not host[:port] ({form}).", nameof(url));
            }

            var name = node.HostNameType == UriHostNameType.IPv6 ? node.Host.Trim('[', ']') : node.Host;
            options.EndPoints.Add(name, node.IsDefaultPort || node.Port < 0 ? defaultPort : node.Port);
        }
    }

    // redis+sentinel://[user:password@]host[:port][,host[:port]...]/SERVICE[/db]: System.Uri does not take a list of hosts.
    private static ConfigurationOptions ParseSentinel(string url)
    {
        const string Form = "redis+sentinel://[user:password@]host:port[,host:port...]/SERVICE[/db]";
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var rest = url[(scheme + 3)..];
        if (rest.IndexOf('?', StringComparison.Ordinal) is >= 0 and var query)
        {
            rest = rest[..query];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? [] : rest[(slash + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var at = authority.LastIndexOf('@');
        var hosts = at < 0 ? authority : authority[(at + 1)..];
        if (path.Length is < 1 or > 2 || hosts.Length == 0)
        {
            throw new ArgumentException($"The Redis Sentinel URL is not of the form {Form}.", nameof(url));
        }

        var options = new ConfigurationOptions
        {
            Ssl = url.StartsWith("rediss+", StringComparison.OrdinalIgnoreCase),
            ServiceName = Uri.UnescapeDataString(path[0]),
        };
        foreach (var host in hosts.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate("redis://" + host, UriKind.Absolute, out var sentinel) || string.IsNullOrEmpty(sentinel.Host) || sentinel.AbsolutePath != "/")
            {
                throw new ArgumentException($"A Sentinel in the Redis Sentinel URL is not host[:port] ({Form}).", nameof(url));
            }

            var name = sentinel.HostNameType == UriHostNameType.IPv6 ? sentinel.Host.Trim('[', ']') : sentinel.Host;
            options.EndPoints.Add(name, sentinel.IsDefaultPort || sentinel.Port < 0 ? DefaultSentinelPort : sentinel.Port);
        }

        SetCredentials(options, at < 0 ? string.Empty : authority[..at]);
        if (path.Length == 2)
        {
            options.DefaultDatabase = Database(path[1], "redis+sentinel://host:port/SERVICE/0", url);
        }

        return options;
    }

    private static void SetCredentials(ConfigurationOptions options, string userInfo)
    {
        if (string.IsNullOrEmpty(userInfo))
        {
            return;
        }

        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var user = colon < 0 ? string.Empty : Uri.UnescapeDataString(userInfo[..colon]);
        var password = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[(colon + 1)..]);
        if (user.Length > 0)
        {
            options.User = user;
        }

        options.Password = password;
    }

    private static int Number(string text, string name, string url) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new ArgumentException($"The Redis URL parameter '{name}' must be a whole number.", nameof(url));

    private static int Database(string text, string example, string url) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var db)
            ? db
            : throw new ArgumentException($"The database in a Redis URL must be a number ({example}).", nameof(url));

    /// <summary>Reads the replica wait of a URL: <c>?wait_replicas=N</c> and <c>?wait_timeout_ms=N</c> (see <see cref="RedisBackendOptions.WaitForReplicas"/>).</summary>
    /// <param name="url">The URL; a StackExchange.Redis configuration string has none.</param>
    /// <returns>The replicas to wait for (0 when the URL says nothing) and the timeout, or <see langword="null"/> when the URL does not set it.</returns>
    /// <exception cref="ArgumentException">A value is not a number.</exception>
    public static (int Replicas, TimeSpan? Timeout) ReplicaWait(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var query = url.IndexOf('?', StringComparison.Ordinal);
        if (query < 0 || !url.Contains("://", StringComparison.Ordinal))
        {
            return (0, null);
        }

        var (replicas, timeout) = (0, (TimeSpan?)null);
        foreach (var pair in url[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? string.Empty : pair[(equals + 1)..];
            switch (name)
            {
                case "wait_replicas":
                    replicas = Number(value, name, url);
                    break;
                case "wait_timeout_ms":
                    timeout = TimeSpan.FromMilliseconds(Number(value, name, url));
                    break;
                default:
                    throw new ArgumentException($"The Redis URL parameter '{name}' is not known (wait_replicas, wait_timeout_ms).", nameof(url));
            }
        }

        return (replicas, timeout);
    }

    /// <summary>Describes the server of <paramref name="options"/> without credentials, for messages and logs.</summary>
    /// <param name="options">The connection options.</param>
    /// <returns><c>redis://host:port[/db]</c> (or <c>rediss://</c>, or <c>redis+sentinel://host:port,.../SERVICE</c>), with no user or password.</returns>
    public static string Describe(ConfigurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoints = string.Join(",", options.EndPoints.Select(Describe));
        var sentinel = !string.IsNullOrEmpty(options.ServiceName);
        var scheme = (options.Ssl ? "rediss" : "redis") + (sentinel ? "+sentinel" : string.Empty);
        var service = sentinel ? "/" + options.ServiceName : string.Empty;
        return options.DefaultDatabase is { } db and not 0 ? $"{scheme}://{endpoints}{service}/{db}" : $"{scheme}://{endpoints}{service}";
    }

    private static string Describe(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        IPEndPoint { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => endpoint.ToString() ?? "?",
    };
}
