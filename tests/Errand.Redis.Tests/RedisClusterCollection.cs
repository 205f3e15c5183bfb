namespace Errand.Redis.Tests;

/// <summary>The test classes that share one Redis Cluster (they run one after another; the cluster starts once).</summary>
[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "Redis Cluster";
}
