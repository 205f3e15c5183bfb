using Hangfire;
using Hangfire.Redis.StackExchange;

namespace Errand.Bench.Hangfire;

/// <summary>The Redis storage of the Hangfire peer (<c>--redis HOST:PORT</c>).</summary>
internal static class BenchStorage
{
    public static JobStorage Create(Dictionary<string, string> options) =>
        new RedisStorage(options["redis"], new RedisStorageOptions { Prefix = "hangfire:" });

    /// <summary>Workload E is a PostgreSQL workload: Redis has no transaction of the application to join.</summary>
    public static Task TransactionsAsync(Dictionary<string, string> options, IBackgroundJobClient client, int n, int inflight) =>
        throw new NotSupportedException("the transaction workload runs on PostgreSQL only");
}
