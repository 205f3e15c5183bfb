using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis.Tests;

/// <content>Worker ids with <c>:</c>, as Python SAQ writes them.</content>
public sealed partial class RedisQueueBackendTests
{
    [Fact]
    public async Task SweepAsync_SaqWorkerIdWithColonAlive_NeverSweepsItsJobWithoutTimeout()
    {
        // Written as SAQ's Queue.worker_info does: SETEX the info, ZADD its key to the stats set scored now + ttl (ms).
        var infoKey = $"saq:{QueueName}:worker_info:host:1";
        await redis.Db.StringSetAsync(infoKey, $$"""{"stats": {"complete": 1, "failed": 0, "retried": 0, "aborted": 0, "uptime": 5000}, "queue_key": "{{QueueName}}", "metadata": null}""", TimeSpan.FromSeconds(60));
        await redis.Db.SortedSetAddAsync(KeyOf("stats"), infoKey, NowMs + 60_000);
        await EnqueueNewAsync("long", j => (j.Timeout, j.Heartbeat) = (0, 0));
        await DequeueOneAsync("long", "host:1");

        for (var round = 0; round < 4; round++)
        {
            Assert.Empty((await Backend.SweepAsync(new SweepRequest(ShortLock, TimeSpan.FromSeconds(5)), Ct)).Stuck);
            await LetShortLocksExpireAsync();
            Clock.Advance(TimeSpan.FromSeconds(6));
        }

        Assert.Equal([Id("long")], (await redis.Db.ListRangeAsync(KeyOf("active"))).Select(v => (string)v!));
        Assert.Equal("host:1", Assert.Single(await Backend.GetWorkersAsync(Ct)).WorkerId);
    }
}
