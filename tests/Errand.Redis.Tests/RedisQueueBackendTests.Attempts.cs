namespace Errand.Redis.Tests;

/// <content>Errand's keys of attempts and of hourly history: named after the queue, expiring with the job or after 8 days.</content>
public sealed partial class RedisQueueBackendTests
{
    [Theory]
    [InlineData(600)]
    [InlineData(0)]
    public async Task FinishAsync_AfterARetry_AttemptsListHasBothRecordsAndTheJobsTtl(int ttl)
    {
        await EnqueueNewAsync("att", j => (j.Ttl, j.Retries) = (ttl, 2));
        var first = await DequeueOneAsync("att");
        first.Error = "boom";
        await Backend.RetryAsync(first, TimeSpan.Zero, Ct);
        var attempts = $"errand:{QueueName}:attempts:att";
        var whileQueued = await redis.Db.KeyTimeToLiveAsync(attempts);

        await Backend.FinishAsync(await DequeueOneAsync("att"), JobStatus.Complete, Ct);

        Assert.Null(whileQueued);
        var records = await redis.Db.ListRangeAsync(attempts);
        Assert.Equal(2, records.Length);
        Assert.Contains("\"status\":\"queued\"", records[0].ToString(), StringComparison.Ordinal);
        Assert.Contains("\"error\":\"boom\"", records[0].ToString(), StringComparison.Ordinal);
        Assert.Contains("\"status\":\"complete\"", records[1].ToString(), StringComparison.Ordinal);
        var listTtl = await redis.Db.KeyTimeToLiveAsync(attempts);
        var jobTtl = await redis.Db.KeyTimeToLiveAsync(Id("att"));
        Assert.Equal(jobTtl.HasValue, listTtl.HasValue);
        if (ttl > 0)
        {
            Assert.InRange(listTtl!.Value, TimeSpan.FromSeconds(ttl - 5), TimeSpan.FromSeconds(ttl));
        }
    }

    [Fact]
    public async Task FinishAsync_Failed_CountsTheHourInAnErrandKeyKeptEightDays()
    {
        await EnqueueNewAsync("hour");

        await Backend.FinishAsync(await DequeueOneAsync("hour"), JobStatus.Failed, Ct);

        var hour = $"errand:{QueueName}:hourly:{NowMs / 3_600_000}";
        Assert.Equal(1, (long)await redis.Db.HashGetAsync(hour, "failed"));
        var ttl = await redis.Db.KeyTimeToLiveAsync(hour);
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(8) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(8));
    }
}
