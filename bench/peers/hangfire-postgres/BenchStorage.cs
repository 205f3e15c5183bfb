using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Errand.Bench.Hangfire;

/// <summary>The PostgreSQL storage of the Hangfire peer (<c>--url postgresql://USER@HOST:PORT/DB</c>).</summary>
internal static class BenchStorage
{
    public static JobStorage Create(Dictionary<string, string> options)
    {
        var url = new Uri(options["url"]);
        var connectionString = $"Host={url.Host};Port={url.Port};Username={Uri.UnescapeDataString(url.UserInfo)};Database={url.AbsolutePath.TrimStart('/')}";
        var storageOptions = new PostgreSqlStorageOptions
        {
            // The smallest interval it takes without AllowUnsafeValues (default 15 s): below 50 ms it throws.
            // EnableLongPolling (LISTEN/NOTIFY) stays off, its default: with it on, a fetched job sometimes was not run
            // (bench/README.md, "PostgreSQL"), and C's latency was no lower.
            QueuePollInterval = TimeSpan.FromMilliseconds(50),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
    }
}
