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
        // One entry per batch of finishes, named by its completed range, due when its first document expires: here
        // every finish came at the same (fake) millisecond, so the three batches share one entry; 'forever' adds none.
        var entry = Assert.Single(await redis.Db.SortedSetRangeByRankWithScoresAsync(ErrandKey("finished:expiry")));
        Assert.Equal($"w:{NowMs}:{NowMs}", (string)entry.Element!);
        Assert.Equal(NowMs + 1000, entry.Score);

        // Redis expires the documents on its own clock: a second passes for real too.
        Clock.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(TimeSpan.FromMilliseconds(1100), TimeProvider.System, Ct);
        await Backend.SweepAsync(new SweepRequest(LongLock, TimeSpan.FromSeconds(5)), Ct);

        Assert.Equal([Id("forever")], (await redis.Db.SortedSetRangeByRankAsync(ErrandKey("finished:complete"))).Select(v => (string)v!));
        Assert.False(await redis.Db.KeyExistsAsync(ErrandKey("finished:failed")));
        Assert.False(await redis.Db.KeyExistsAsync(ErrandKey("finished:aborted")));
        Assert.False(await redis.Db.KeyExistsAsync(ErrandKey("finished:expiry")));
    }

    private string ErrandKey(string name) => $"errand:{QueueName}:{name}";
}
