using System.Globalization;
using Npgsql;

namespace Errand.Postgres;

/// <summary>Reads <c>postgres://</c> and <c>postgresql://</c> URLs (which Npgsql does not take) or a plain Npgsql connection string.</summary>
/// <remarks>Public for the worker host and the <c>errand</c> command, which name servers in messages.</remarks>
internal static class PostgresConnectionString
{
    private const int DefaultPort = 5432;

    /// <summary>Parses a PostgreSQL URL or an Npgsql connection string.</summary>
    /// <param name="url"><c>postgres[ql]://[user[:password]@]host[:port]/db[?param=value&amp;...]</c>, or an Npgsql connection string (<c>Host=...;Database=...</c>).</param>
    /// <returns>The connection string builder.</returns>
    /// <exception cref="ArgumentException">The URL is not valid; the message never repeats it, since it may hold a password.</exception>
    /// <remarks>Query parameters are Npgsql keywords or libpq's names (<c>sslmode</c>, <c>application_name</c>, <c>connect_timeout</c>).</remarks>
    public static NpgsqlConnectionStringBuilder Parse(string url)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (!url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(url);
            }
            catch (ArgumentException)
            {
                throw new ArgumentException("The PostgreSQL connection string is not valid (expected postgresql://[user[:password]@]host[:port]/db or Host=...;Database=...).", nameof(url));
            }
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            // Never echo the URL: it may hold a password.
            throw new ArgumentException("The PostgreSQL URL is not of the form postgresql://[user[:password]@]host[:port]/db.", nameof(url));
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : Uri.UnescapeDataString(uri.Host),
            Port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port,
        };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            try
            {
                builder[Keyword(name)] = value;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
            {
                throw new ArgumentException($"The PostgreSQL URL parameter '{name}' is not known or its value is not valid.", nameof(url));
            }
        }

        return builder;
    }

    /// <summary>
    /// Sets what Errand's statements want unless the URL says otherwise: automatic preparation of the statements used
    /// twice (<c>Max Auto Prepare=64</c>), so that PostgreSQL plans each once per connection, not per job; and no session
    /// reset when a connection goes back to the pool (<c>No Reset On Close=true</c>: Errand leaves no session state, and
    /// a reset is seven statements on every use of a pooled connection).
    /// </summary>
    /// <param name="builder">The connection string builder.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>Behind PgBouncer older than 1.21 in transaction mode, put <c>?Max Auto Prepare=0</c> in the URL.</remarks>
    internal static NpgsqlConnectionStringBuilder WithErrandDefaults(NpgsqlConnectionStringBuilder builder)
    {
        // The builder's string holds only what was set: the URL's own choice is kept.
        if (!builder.ConnectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!builder.ConnectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }

        return builder;
    }

    /// <summary>Describes the server of <paramref name="builder"/> without credentials, for messages and logs.</summary>
    /// <param name="builder">The connection string builder.</param>
    /// <returns><c>postgresql://host:port/db</c>, with no user or password.</returns>
    public static string Describe(NpgsqlConnectionStringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var host = builder.Host ?? "localhost";
        if (host.Contains(':', StringComparison.Ordinal) && !host.Contains(',', StringComparison.Ordinal))
        {
            host = $"[{host}]";
        }

        return string.Create(CultureInfo.InvariantCulture, $"postgresql://{host}:{builder.Port}/{builder.Database ?? builder.Username ?? string.Empty}");
    }

    // libpq's names where Npgsql's differ.
    private static string Keyword(string name) => name.ToLowerInvariant() switch
    {
        "sslmode" => "SSL Mode",
        "application_name" => "Application Name",
        "connect_timeout" => "Timeout",
        "sslrootcert" => "Root Certificate",
        "sslcert" => "SSL Certificate",
        "sslkey" => "SSL Key",
        "options" => "Options",
        "user" => "Username",
        "dbname" => "Database",
        _ => name,
    };
}
