using Errand.Conformance;

namespace Errand.Redis.Tests;

/// <summary>Worker processes that die or are stopped, on a real Redis: no job is lost.</summary>
public sealed class WorkerProcessTests(RedisServerFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly string[] FastTimers = ["--sweep-interval", "1", "--worker-info-interval", "1"];

    [Fact]
    public async Task WorkerKilledMidJob_AnotherWorkerFinishesTheJobAfterTheSweep()
    {
        redis.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var name = $"p{Guid.NewGuid():N}";
        await using var queue = await RedisQueueFactory.ConnectAsync(redis.Url, name, cancellationToken: ct);
        using var first = WorkerProcess.Start(redis.Url, name, FastTimers);

        // No timeout and no heartbeat: only the worker info tells that the worker died (SAQ would keep it active for ever).
        var job = await queue.EnqueueAsync("sleep", new { seconds = 2 }, new JobOptions { Timeout = TimeSpan.Zero, Retries = 2 }, ct);
        var active = await JobSignals.WaitForStatusAsync(queue, queue.Backend, job.Key, JobStatus.Active, Patience, ct);
        await first.KillAsync();
        using var second = WorkerProcess.Start(redis.Url, name, FastTimers);
        var done = await queue.WaitAsync(job.Key, Patience, ct);

        Assert.True(done.Status == JobStatus.Complete, $"{done.Status}: {done.Error}\n{second.Output}");
        Assert.Equal(2, done.Attempts);
        Assert.NotEqual(active.WorkerId, done.WorkerId);
        Assert.Equal(2.0, done.Result!.Value.GetDouble());
    }

    [Fact]
    public async Task WorkerGetsSigterm_RunningJobFinishesAndProcessExitsZero()
    {
        redis.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var name = $"p{Guid.NewGuid():N}";
        await using var queue = await RedisQueueFactory.ConnectAsync(redis.Url, name, cancellationToken: ct);
        using var worker = WorkerProcess.Start(redis.Url, name);

        var job = await queue.EnqueueAsync("sleep", new { seconds = 1 }, cancellationToken: ct);
        await JobSignals.WaitForStatusAsync(queue, queue.Backend, job.Key, JobStatus.Active, Patience, ct);
        await worker.TerminateAsync(Patience);
        var stored = await queue.GetJobAsync(job.Key, ct);

        Assert.Equal(0, worker.ExitCode);
        Assert.True(stored!.Status == JobStatus.Complete, $"{stored.Status}: {stored.Error}\n{worker.Output}");
        Assert.Empty(await queue.Backend.GetWorkersAsync(ct));
    }
}
