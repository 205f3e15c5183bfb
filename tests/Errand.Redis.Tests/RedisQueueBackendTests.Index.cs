using Errand.Backends;

namespace Errand.Redis.Tests;

/// <content>Errand's own keys beside SAQ's: the finished-job index and the per-minute history.</content>
public sealed partial class RedisQueueBackendTests
{
    [Fact]
    public async Task ListJobsAsync_JobFinishedByPythonSaq_FoundOnlyByScanThenIndexed()
    {
        // What a Python SAQ worker leaves: the document, with none of Errand's keys.
        var saqDocument = $$"""{"function": "py", "kwargs": {"n": 1}, "queue": "{{QueueName}}", "key": "py-done", "status": "failed", "error": "Traceback ...", "completed": {{NowMs}}, "queued": {{NowMs - 5}}}""";
        await redis.Db.StringSetAsync(Id("py-done"), saqDocument);

        var indexed = await Backend.ListJobsAsync(new JobQuery(JobStatus.Failed, 0, 10), Ct);
        var scanned = await Backend.ListJobsAsync(new JobQuery(JobStatus.Failed, 0, 10) { ScanUnindexed = true }, Ct);
        var after = await Backend.ListJobsAsync(new JobQuery(JobStatus.Failed, 0, 10), Ct);

        Assert.Empty(indexed.Jobs);
        Assert.Equal("py-done", Assert.Single(scanned.Jobs).Key);
        Assert.Equal("py-done", Assert.Single(after.Jobs).Key);
    }

    [Fact]
    public async Task FinishAsync_Failed_IndexesTheJobAndCountsTheMinuteInErrandKeys()
    {
        await EnqueueNewAsync("idx");

        await Backend.FinishAsync(await DequeueOneAsync("idx"), JobStatus.Failed, Ct);

        Assert.Equal(NowMs, await redis.Db.SortedSetScoreAsync($"errand:{QueueName}:finished:failed", Id("idx")));
        var history = $"errand:{QueueName}:history:{NowMs / 60_000}";
        Assert.Equal(1, (long)await redis.Db.HashGetAsync(history, "failed"));
        var ttl = await redis.Db.KeyTimeToLiveAsync(history);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(65));
    }

    [Fact]
    public async Task GetHistoryAsync_ErrandKeysDeleted_ReturnsZerosAndTheQueueKeepsWorking()
    {
        await EnqueueNewAsync("a");
        await Backend.FinishAsync(await DequeueOneAsync("a"), JobStatus.Complete, Ct);
        foreach (var key in await redis.ScanAsync($"errand:{QueueName}:*"))
        {
            await redis.Db.KeyDeleteAsync(key);
        }

        var history = await Backend.GetHistoryAsync(5, Ct);
        await EnqueueNewAsync("b");
        await Backend.FinishAsync(await DequeueOneAsync("b"), JobStatus.Complete, Ct);

        Assert.All(history, p => Assert.Equal(0, p.Complete));
        Assert.Equal(1, (await Backend.GetHistoryAsync(1, Ct))[0].Complete);
        Assert.Equal("b", Assert.Single((await Backend.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 10), Ct)).Jobs).Key);
    }
}
