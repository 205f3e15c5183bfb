using Hangfire;
using Hangfire.Redis.StackExchange;

namespace Errand.Bench.Hangfire;

/// <summary>The Redis storage of the Hangfire peer (<c>--redis HOST:PORT</c>).</summary>
internal static class BenchStorage
{
    public static JobStorage Create(Dictionary<string, string> options) =>
        new RedisStorage(options["redis"], new RedisStorageOptions { Prefix = "hangfire:" });
}
