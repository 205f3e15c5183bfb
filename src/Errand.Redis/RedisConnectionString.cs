using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Errand.Redis;

/// <summary>Reads <c>redis://[user:password@]host:port[/db]</c>, <c>rediss://</c> (TLS) or a StackExchange.Redis configuration string.</summary>
/// <remarks>Public for the worker host and the <c>errand</c> command, which open connections of their own and name servers in messages.</remarks>
public static class RedisConnectionString
{
    private const int DefaultPort = 6379;

    /// <summary>Parses a Redis URL or a StackExchange.Redis configuration string.</summary>
    /// <param name="url"><c>redis://[user:password@]host:port[/db]</c>, <c>rediss://...</c> for TLS, or a StackExchange.Redis configuration string.</param>
    /// <returns>The connection options.</returns>
    /// <exception cref="ArgumentException">The URL is not valid; the message never repeats it, since it may hold a password.</exception>
    public static ConfigurationOptions Parse(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (!url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigurationOptions.Parse(url);
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

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? string.Empty : Uri.UnescapeDataString(uri.UserInfo[..colon]);
            var password = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[(colon + 1)..]);
            if (user.Length > 0)
            {
                options.User = user;
            }

            options.Password = password;
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            options.DefaultDatabase = int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var db)
                ? db
                : throw new ArgumentException("The database in a Redis URL must be a number (redis://host:port/0).", nameof(url));
        }

        return options;
    }

    /// <summary>Describes the server of <paramref name="options"/> without credentials, for messages and logs.</summary>
    /// <param name="options">The connection options.</param>
    /// <returns><c>redis://host:port[/db]</c> (or <c>rediss://</c>), with no user or password.</returns>
    public static string Describe(ConfigurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoints = string.Join(",", options.EndPoints.Select(Describe));
        var scheme = options.Ssl ? "rediss" : "redis";
        return options.DefaultDatabase is { } db and not 0 ? $"{scheme}://{endpoints}/{db}" : $"{scheme}://{endpoints}";
    }

    private static string Describe(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        IPEndPoint { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => endpoint.ToString() ?? "?",
    };
}
