namespace Errand.Redis.Tests;

/// <summary>Finding the queues a Redis holds from SAQ's keys (what the <c>errand</c> command and its dashboard list).</summary>
public sealed class RedisQueuesTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FindAsync_KeysOfSeveralKinds_ListsEachQueueOnceAndNoJobOrAbortKey()
    {
        redis.SkipIfMissing();
        var tag = Guid.NewGuid().ToString("N");
        await redis.Db.SortedSetAddAsync($"saq:queued-{tag}:incomplete", "x", 0);
        await redis.Db.ListRightPushAsync($"saq:queued-{tag}:queued", "x");
        await redis.Db.StringSetAsync($"saq:with:colon-{tag}:worker_info:w1", "{}");
        await redis.Db.SetAddAsync($"saq:stats-{tag}:stats", "w");
        await redis.Db.StringSetAsync($"saq:job:onlyjobs-{tag}:k1", "{}");
        await redis.Db.StringSetAsync($"saq:abort:aborted-{tag}", "why");

        var names = (await RedisQueues.FindAsync(redis.Db.Multiplexer, redis.Db.Database, Ct)).Where(n => n.EndsWith(tag, StringComparison.Ordinal));

        Assert.Equal([$"queued-{tag}", $"stats-{tag}", $"with:colon-{tag}"], names);
    }

    [Fact]
    public async Task ExistsAsync_QueueKnownOnlyByAJobDocumentOrAWorker_IsFound()
    {
        redis.SkipIfMissing();
        var tag = Guid.NewGuid().ToString("N");
        await redis.Db.StringSetAsync($"saq:job:jobs-{tag}:k1", "{}");
        await redis.Db.StringSetAsync($"saq:worker-{tag}:worker_info:w1", "{}");

        Assert.True(await RedisQueues.ExistsAsync(redis.Db.Multiplexer, $"jobs-{tag}", redis.Db.Database, Ct));
        Assert.True(await RedisQueues.ExistsAsync(redis.Db.Multiplexer, $"worker-{tag}", redis.Db.Database, Ct));
        Assert.False(await RedisQueues.ExistsAsync(redis.Db.Multiplexer, $"other-{tag}", redis.Db.Database, Ct));
    }

    [Fact]
    public async Task ExistsAsync_NameWithGlobCharacters_MatchesOnlyThatName()
    {
        redis.SkipIfMissing();
        var tag = Guid.NewGuid().ToString("N");
        await redis.Db.StringSetAsync($"saq:job:ab-{tag}:k1", "{}");

        // Unescaped, "a*" and "a?" would match the job of queue "ab-...".
        Assert.False(await RedisQueues.ExistsAsync(redis.Db.Multiplexer, $"a*-{tag}", redis.Db.Database, Ct));
        Assert.False(await RedisQueues.ExistsAsync(redis.Db.Multiplexer, $"a?-{tag}", redis.Db.Database, Ct));
        Assert.True(await RedisQueues.ExistsAsync(redis.Db.Multiplexer, $"ab-{tag}", redis.Db.Database, Ct));
    }
}
