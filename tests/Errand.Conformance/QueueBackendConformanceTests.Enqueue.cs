using Errand.Backends;

namespace Errand.Conformance;

/// <content>Enqueue: status and time written, dedupe by key, scheduled jobs.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task EnqueueAsync_NewJob_StoresItQueuedWithQueuedTime()
    {
        var job = NewJob();
        job.Kwargs = Json("""{"a": 1}""");

        var result = await Backend.EnqueueAsync(job, Ct);

        Assert.True(result.Enqueued);
        Assert.Equal(JobStatus.Queued, result.Job.Status);
        Assert.Equal(NowMs, result.Job.Queued);
        var stored = await StoredAsync(job.Key);
        Assert.Equal(JobStatus.Queued, stored.Status);
        Assert.Equal(NowMs, stored.Queued);
        Assert.Equal("work", stored.Function);
        Assert.Equal(QueueName, stored.Queue);
        Assert.Equal(1, stored.Kwargs!.Value.GetProperty("a").GetInt32());
        Assert.Equal(0, stored.Attempts);
        Assert.Equal(new QueueCounts(1, 0, 0, 1), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task EnqueueAsync_SameKeyWhileQueued_ReturnsStoredJobAndWritesNothing()
    {
        var first = await EnqueueNewAsync("dup", j => j.Kwargs = Json("""{"n": 1}"""));
        Clock.Advance(TimeSpan.FromSeconds(3));
        var second = NewJob("dup", "other");
        second.Kwargs = Json("""{"n": 2}""");
        second.Timeout = 99;

        var result = await Backend.EnqueueAsync(second, Ct);

        Assert.False(result.Enqueued);
        Assert.Equal("work", result.Job.Function);
        Assert.Equal(1, result.Job.Kwargs!.Value.GetProperty("n").GetInt32());
        var stored = await StoredAsync("dup");
        Assert.Equal("work", stored.Function);
        Assert.Equal(Job.DefaultTimeout, stored.Timeout);
        Assert.Equal(first.Queued, stored.Queued);
        Assert.Equal(1, stored.Kwargs!.Value.GetProperty("n").GetInt32());
        Assert.Equal(new QueueCounts(1, 0, 0, 1), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task EnqueueAsync_SameKeyWhileActive_ReturnsStoredJobAndWritesNothing()
    {
        await EnqueueNewAsync("dup");
        await DequeueOneAsync("dup");

        var result = await Backend.EnqueueAsync(NewJob("dup", "other"), Ct);

        Assert.False(result.Enqueued);
        Assert.Equal(JobStatus.Active, result.Job.Status);
        var stored = await StoredAsync("dup");
        Assert.Equal("work", stored.Function);
        Assert.Equal(JobStatus.Active, stored.Status);
        Assert.Empty(await DequeueNowAsync());
        Assert.Equal(new QueueCounts(0, 1, 0, 1), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task EnqueueAsync_SameKeyWhileScheduled_ReturnsStoredJobAndWritesNothing()
    {
        var at = Clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds();
        await EnqueueNewAsync("dup", j => j.Scheduled = at);

        var result = await Backend.EnqueueAsync(NewJob("dup", "other"), Ct);

        Assert.False(result.Enqueued);
        Assert.Equal(at, (await StoredAsync("dup")).Scheduled);
        Assert.Equal("work", (await StoredAsync("dup")).Function);
        Assert.Empty(await DequeueNowAsync());
    }

    [Fact]
    public async Task EnqueueAsync_SameKeyAfterItFinished_EnqueuesAgain()
    {
        await EnqueueNewAsync("again");
        var job = await DequeueOneAsync("again");
        job.Result = Json("1");
        await Backend.FinishAsync(job, JobStatus.Complete, Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var result = await Backend.EnqueueAsync(NewJob("again", "second"), Ct);

        Assert.True(result.Enqueued);
        var stored = await StoredAsync("again");
        Assert.Equal("second", stored.Function);
        Assert.Equal(JobStatus.Queued, stored.Status);
        Assert.Equal(0, stored.Attempts);
        Assert.Null(stored.Result);
        Assert.Equal(NowMs, stored.Queued);
        Assert.Equal("second", (await DequeueOneAsync("again")).Function);
    }

    [Fact]
    public async Task EnqueueAsync_ScheduledInTheFuture_IsNotReadyAndCountsAsScheduled()
    {
        var at = Clock.GetUtcNow().AddSeconds(30).ToUnixTimeSeconds();
        var job = await EnqueueNewAsync(configure: j => j.Scheduled = at);

        Assert.Empty(await DequeueNowAsync());
        var stored = await StoredAsync(job.Key);
        Assert.Equal(JobStatus.Queued, stored.Status);
        Assert.Equal(at, stored.Scheduled);
        Assert.Equal(new QueueCounts(0, 0, 1, 1), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task ScheduleAsync_BeforeTheScheduledTime_MovesNothing()
    {
        var at = Clock.GetUtcNow().AddSeconds(30).ToUnixTimeSeconds();
        await EnqueueNewAsync(configure: j => j.Scheduled = at);
        Clock.Advance(TimeSpan.FromSeconds(20));

        var moved = await Backend.ScheduleAsync(LongLock, Ct);

        Assert.Empty(moved);
        Assert.Empty(await DequeueNowAsync());
    }

    [Fact]
    public async Task ScheduleAsync_AfterTheScheduledTime_ReturnsMovedIdsAndJobsBecomeReady()
    {
        var at = Clock.GetUtcNow().AddSeconds(30).ToUnixTimeSeconds();
        var due = await EnqueueNewAsync("due", j => j.Scheduled = at);
        await EnqueueNewAsync("later", j => j.Scheduled = at + 3600);
        await EnqueueNewAsync("now");
        Clock.Advance(TimeSpan.FromSeconds(31));

        var moved = await Backend.ScheduleAsync(LongLock, Ct);

        Assert.Equal([due.Key], moved);
        var jobs = await DequeueNowAsync(maxJobs: 5);
        Assert.Equal(["now", "due"], jobs.Select(j => j.Key));
        Assert.Equal(new QueueCounts(0, 2, 1, 3), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task ScheduleAsync_WhileAnotherCallerHoldsTheLock_MovesNothing()
    {
        var at = Clock.GetUtcNow().AddSeconds(30).ToUnixTimeSeconds();
        await EnqueueNewAsync(configure: j => j.Scheduled = at);
        Assert.Empty(await Backend.ScheduleAsync(LongLock, Ct));
        Clock.Advance(TimeSpan.FromSeconds(31));

        // The fake clock has passed the job's time but not the lock's (60 s); the first caller still holds it.
        Assert.Empty(await Backend.ScheduleAsync(LongLock, Ct));
    }
}
