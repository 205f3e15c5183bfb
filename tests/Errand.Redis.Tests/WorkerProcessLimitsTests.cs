namespace Errand.Redis.Tests;

/// <summary>Limits with three real worker processes on one Redis.</summary>
public sealed class WorkerProcessLimitsTests(RedisServerFixture redis) : WorkerProcessLimitsTestsBase
{
    protected override void SkipIfMissing() => redis.SkipIfMissing();

    protected override Task<string> StoreUrlAsync() => Task.FromResult(redis.Url);

    protected override Task<Queue> ConnectAsync(string url, string name, CancellationToken ct) =>
        RedisQueueFactory.ConnectAsync(url, name, cancellationToken: ct);
}
