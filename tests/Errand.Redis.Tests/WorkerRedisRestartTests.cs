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
        await using var queue = await RedisQueueFactory.ConnectAsync(server.Url, $"r{Guid.NewGuid():N}", cancellationToken: ct);
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

    [Fact]
    public async Task RunAsync_RedisDownLongerThanAFewRetries_JobsThatEndedMeanwhileAreStoredWhenItIsBack()
    {
        redis.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RedisServer.StartAsync(redis.Executable!, persistent: true, ct);

        // Short operation timeouts: each try of a store fails fast while Redis is down, as while it loads a dataset.
        var backend = await RedisQueueBackend.ConnectAsync(
            server.Url,
            new RedisBackendOptions { QueueName = $"r{Guid.NewGuid():N}", OperationTimeout = TimeSpan.FromMilliseconds(500), ConnectTimeout = TimeSpan.FromMilliseconds(500) },
            cancellationToken: ct);
        await using var queue = new Queue(backend, new QueueOptions { WaitRecheckInterval = TimeSpan.FromSeconds(1) });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var functions = new JobFunctions().Add<int>("gated", async context =>
        {
            await gate.Task;
            return context.Job.Attempts;
        });
        var options = new WorkerOptions { Concurrency = 10, DequeueWait = TimeSpan.FromMilliseconds(500) };
        using var worker = new Worker(queue, functions, options);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);

        // No timeout: a job whose outcome is dropped would stay active under the live worker for ever.
        var jobs = await queue.EnqueueManyAsync("gated", Enumerable.Repeat<object?>(null, 10), new JobOptions { Timeout = TimeSpan.Zero }, ct);
        foreach (var job in jobs)
        {
            await Errand.Conformance.JobSignals.WaitForStatusAsync(queue, queue.Backend, job.Key, JobStatus.Active, Patience, ct);
        }

        // Waits that span the outage: their re-reads meet it every second, and they go on.
        // The queue's subscription is in place (the waits for 'active' above made it), so each wait sends its first read
        // at once; a count sent after them is answered after them: the waits are waiting when Redis stops.
        var waits = jobs.Select(job => queue.WaitAsync(job.Key, Patience + TimeSpan.FromSeconds(15), ct)).ToList();
        await queue.CountAsync(ct);
        await server.StopAsync();
        gate.SetResult();

        // The outage itself is what is tested: longer than the old retries of an outcome (about 8 s of backoff).
        await Task.Delay(TimeSpan.FromSeconds(15), TimeProvider.System, ct);
        await server.StartAsync(ct);
        var done = await Task.WhenAll(waits);
        await stop.CancelAsync();
        await running.WaitAsync(Patience, ct);

        Assert.All(done, job => Assert.Equal(JobStatus.Complete, job.Status));
    }

    private sealed record AddArgs(int A, int B);
}
