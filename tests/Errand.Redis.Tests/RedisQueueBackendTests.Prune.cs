using Errand.Backends;

namespace Errand.Redis.Tests;

/// <content>Errand's finished-job indexes stay bounded by the jobs' ttls.</content>
public sealed partial class RedisQueueBackendTests
{
    [Fact]
    public async Task SweepAsync_FinishedJobsPastTheirTtl_EmptiesTheIndexesAndTheExpiryIndex()
    {
        var statuses = new[] { JobStatus.Complete, JobStatus.Failed, JobStatus.Aborted };
        foreach (var status in statuses)
        {
            await EnqueueNewAsync($"short-{status}", j => j.Ttl = 1);
            await Backend.FinishAsync(await DequeueOneAsync($"short-{status}"), status, Ct);
        }

        await EnqueueNewAsync("forever", j => j.Ttl = 0);
        await Backend.FinishAsync(await DequeueOneAsync("forever"), JobStatus.Complete, Ct);
        await SettleAsync("forever");
        Assert.Equal(3, await redis.Db.SortedSetLengthAsync(ErrandKey("finished:expiry")));
        Assert.Equal(NowMs + 1000, await redis.Db.SortedSetScoreAsync(ErrandKey("finished:expiry"), Id("short-Complete")));

        Clock.Advance(TimeSpan.FromSeconds(2));
        await Backend.SweepAsync(new SweepRequest(LongLock, TimeSpan.FromSeconds(5)), Ct);

        Assert.Equal([Id("forever")], (await redis.Db.SortedSetRangeByRankAsync(ErrandKey("finished:complete"))).Select(v => (string)v!));
        Assert.False(await redis.Db.KeyExistsAsync(ErrandKey("finished:failed")));
        Assert.False(await redis.Db.KeyExistsAsync(ErrandKey("finished:aborted")));
        Assert.False(await redis.Db.KeyExistsAsync(ErrandKey("finished:expiry")));
    }

    private string ErrandKey(string name) => $"errand:{QueueName}:{name}";
}
