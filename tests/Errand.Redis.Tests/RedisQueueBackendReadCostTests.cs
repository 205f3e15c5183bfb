using System.Globalization;
using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis.Tests;

/// <summary>What a dashboard read costs Redis, measured on a server of the test's own (its INFO counters are not shared).</summary>
public sealed class RedisQueueBackendReadCostTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListJobsAsync_AbortingAmongManyQueuedAndFinishedJobs_ReadsNoOtherJobDocument()
    {
        redis.SkipIfMissing();
        await using var server = await RedisServer.StartAsync(redis.Executable!, cancellationToken: Ct);
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{server.Endpoint},allowAdmin=true");
        var name = $"cost{Guid.NewGuid():N}";
        await using var backend = await RedisQueueBackend.ConnectAsync(server.Url, new RedisBackendOptions { QueueName = name }, cancellationToken: Ct);
        for (var i = 0; i < 400; i++)
        {
            await backend.EnqueueAsync(new Job("f", name, $"j{i}"), Ct);
        }

        var taken = await backend.DequeueAsync(new DequeueRequest("w1", 203, TimeSpan.Zero), Ct);
        foreach (var job in taken.Take(200))
        {
            await backend.FinishAsync(job, JobStatus.Complete, Ct);
        }

        var stopping = taken[201];
        await backend.AbortAsync(stopping, "stop", Ct);
        Assert.Equal(JobStatus.Aborting, (await backend.GetJobAsync(stopping.Key, Ct))!.Status);
        var server0 = admin.GetServer(server.Endpoint);
        await server0.ExecuteAsync("CONFIG", "RESETSTAT");

        var page = await backend.ListJobsAsync(new JobQuery(JobStatus.Aborting, 0, 50), Ct);

        Assert.Equal(stopping.Key, Assert.Single(page.Jobs).Key);
        Assert.Equal(1, page.Total);
        var stats = await InfoAsync(server0, "stats");
        // The active list, and the documents of the two running jobs and the aborting one (found by its abort marker's
        // name): the 200 finished and 197 queued jobs are not read. A SCAN reads key names, not keys: no keyspace hit.
        Assert.InRange(long.Parse(stats["keyspace_hits"], CultureInfo.InvariantCulture), 1, 10);
    }

    private static async Task<Dictionary<string, string>> InfoAsync(IServer server, string section)
    {
        var text = (string)(await server.ExecuteAsync("INFO", section))!;
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#') && line.Contains(':', StringComparison.Ordinal))
            .ToDictionary(line => line[..line.IndexOf(':', StringComparison.Ordinal)], line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);
    }
}
