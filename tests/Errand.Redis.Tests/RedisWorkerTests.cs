using Errand.Conformance;

namespace Errand.Redis.Tests;

/// <summary>The worker suite against a real Redis.</summary>
public sealed class RedisWorkerTests(RedisServerFixture redis) : WorkerConformanceTests
{
    protected override Task<Queue> CreateQueueAsync(string queueName)
    {
        redis.SkipIfMissing();
        return RedisQueueFactory.ConnectAsync(redis.Url, queueName);
    }
}
