namespace Errand.Redis.Tests;

/// <summary>A worker running through a Redis restart: it reconnects by itself and nothing enqueued is lost.</summary>
public sealed class WorkerRedisRestartTests(RedisServerFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_RedisRestarts_WorkerGoesOnWithJobsFromBeforeAndAfter()
    {
        redis.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RedisServer.StartAsync(redis.Executable!, persistent: true, ct);
        await using var queue = await RedisQueue.ConnectAsync(server.Url, $"r{Guid.NewGuid():N}", cancellationToken: ct);
        var functions = new JobFunctions().Add<AddArgs, int>("add", (a, _) => Task.FromResult(a.A + a.B));
        var options = new WorkerOptions { ScheduleInterval = TimeSpan.FromMilliseconds(200), DequeueWait = TimeSpan.FromMilliseconds(500) };
        using var worker = new Worker(queue, functions, options);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);
        Assert.Equal(2, await queue.ApplyAsync<int>("add", new { a = 1, b = 1 }, cancellationToken: ct));

        // A scheduled job is in Redis only: it must come back from the append-only file.
        var scheduled = await queue.EnqueueAsync("add", new { a = 2, b = 2 }, new JobOptions { Delay = TimeSpan.FromSeconds(2) }, ct);
        await server.StopAsync();
        await server.StartAsync(ct);
        var after = await queue.ApplyAsync<int>("add", new { a = 3, b = 3 }, cancellationToken: ct).WaitAsync(Patience, ct);
        var before = await queue.WaitAsync(scheduled.Key, Patience, ct);
        await stop.CancelAsync();
        await running.WaitAsync(Patience, ct);

        Assert.Equal(6, after);
        Assert.Equal(JobStatus.Complete, before.Status);
        Assert.Equal(4, before.Result!.Value.GetInt32());
        Assert.Equal(0, worker.Stats.Failed);
    }

    private sealed record AddArgs(int A, int B);
}
