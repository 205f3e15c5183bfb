using StackExchange.Redis;

namespace Errand.AspNetCore;

/// <summary>Reads <c>redis://</c> and <c>rediss://</c> URLs into StackExchange.Redis configuration.</summary>
internal static class RedisUrl
{
    public static bool IsRedis(string url) =>
        url.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);

    public static ConfigurationOptions Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsRedis(url) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException("Errand:Url is not a valid redis:// or rediss:// URL.", nameof(url));
        }

        var configuration = new ConfigurationOptions
        {
            Ssl = string.Equals(uri.Scheme, "rediss", StringComparison.OrdinalIgnoreCase),
            AbortOnConnectFail = false,
            ClientName = "errand",
        };
        configuration.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                configuration.User = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
                configuration.Password = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                configuration.Password = Uri.UnescapeDataString(parts[0]);
            }
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            configuration.DefaultDatabase = int.TryParse(path, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var db)
                ? db
                : throw new ArgumentException("Errand:Url names a database that is not a number.", nameof(url));
        }

        return configuration;
    }

    /// <summary>Describes the endpoint without the password, for the log.</summary>
    public static string Describe(ConfigurationOptions configuration) =>
        $"{(configuration.Ssl ? "rediss" : "redis")}://{string.Join(",", configuration.EndPoints.Select(EndPointCollection.ToString))}/{configuration.DefaultDatabase ?? 0}";
}
