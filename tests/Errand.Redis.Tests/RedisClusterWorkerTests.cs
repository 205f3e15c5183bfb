using Errand.Conformance;

namespace Errand.Redis.Tests;

/// <summary>The worker suite on a Redis Cluster of three masters, with hash-tagged queue names.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterWorkerTests(RedisClusterFixture cluster) : WorkerConformanceTests
{
    protected override Task<Queue> CreateQueueAsync(string queueName)
    {
        cluster.SkipIfMissing();
        return RedisQueueFactory.ConnectAsync(cluster.Url, $"{{{queueName}}}");
    }
}
