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
        var pollingOnly = Environment.GetEnvironmentVariable("ERRAND_BENCH_POLL_ONLY") == "1";
        var storageOptions = new PostgreSqlStorageOptions
        {
            // The smallest interval it takes without AllowUnsafeValues (default 15 s): below 50 ms it throws.
            QueuePollInterval = TimeSpan.FromMilliseconds(50),

            // LISTEN/NOTIFY: an idle worker wakes when a job is enqueued instead of at its next poll. Off by default.
            EnableLongPolling = !pollingOnly,
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
    }
}
