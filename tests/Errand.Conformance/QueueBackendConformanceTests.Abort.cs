using Errand.Backends;

namespace Errand.Conformance;

/// <content>Abort of waiting and running jobs, and the abort marker.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task AbortAsync_QueuedJob_AbortsItAtOnceAndItIsNeverDequeued()
    {
        var key = UniqueKey("abort");
        var job = await EnqueueNewAsync(key);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var aborted = await Backend.AbortAsync(job, "not needed", Ct);

        Assert.Equal(AbortResult.Aborted, aborted);
        var stored = await StoredAsync(key);
        Assert.Equal(JobStatus.Aborted, stored.Status);
        Assert.Equal("not needed", stored.Error);
        Assert.Equal(NowMs, stored.Completed);
        Assert.Empty(await DequeueNowAsync());
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task AbortAsync_ScheduledJob_AbortsItAtOnce()
    {
        var key = UniqueKey("abort");
        var at = Clock.GetUtcNow().AddSeconds(30).ToUnixTimeSeconds();
        var job = await EnqueueNewAsync(key, j => j.Scheduled = at);

        Assert.Equal(AbortResult.Aborted, await Backend.AbortAsync(job, "cancelled by user", Ct));

        Assert.Equal(JobStatus.Aborted, (await StoredAsync(key)).Status);
        Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Empty(await Backend.ScheduleAsync(LongLock, Ct));
        Assert.Empty(await DequeueNowAsync());
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task AbortAsync_QueuedJob_LeavesNoMarkerThatBlocksTheKey()
    {
        var key = UniqueKey("abort");
        var job = await EnqueueNewAsync(key);
        Assert.Equal(AbortResult.Aborted, await Backend.AbortAsync(job, "not needed", Ct));

        var result = await Backend.EnqueueAsync(NewJob(key), Ct);

        Assert.True(result.Enqueued);
        Assert.Equal(JobStatus.Queued, (await StoredAsync(key)).Status);
    }

    [Fact]
    public async Task AbortAsync_RunningJob_MarksItAbortingForItsWorker()
    {
        var key = UniqueKey("abort");
        await EnqueueNewAsync(key);
        var job = await DequeueOneAsync(key);

        var aborted = await Backend.AbortAsync(job.Clone(), "user asked", Ct);

        Assert.Equal(AbortResult.Aborting, aborted);
        var stored = await StoredAsync(key);
        Assert.Equal(JobStatus.Aborting, stored.Status);
        Assert.Equal("user asked", stored.Error);
        Assert.Equal(0, stored.Completed);
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task AbortAsync_RunningJobThenWorkerStopsIt_EndsAbortedAndFreesTheKey()
    {
        var key = UniqueKey("abort");
        await EnqueueNewAsync(key);
        var job = await DequeueOneAsync(key);
        Assert.Equal(AbortResult.Aborting, await Backend.AbortAsync(job.Clone(), "user asked", Ct));

        // The worker sees the stored status, cancels the handler, and ends the job.
        var seen = await StoredAsync(key);
        Assert.Equal(JobStatus.Aborting, seen.Status);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Backend.FinishAsync(seen, JobStatus.Aborted, Ct);

        Assert.False((await Backend.EnqueueAsync(NewJob(key), Ct)).Enqueued);
        await Backend.ClearAbortAsync(key, Ct);

        var stored = await StoredAsync(key);
        Assert.Equal(JobStatus.Aborted, stored.Status);
        Assert.Equal("user asked", stored.Error);
        Assert.Equal(NowMs, stored.Completed);
        Assert.True((await Backend.EnqueueAsync(NewJob(key), Ct)).Enqueued);
    }

    [Fact]
    public async Task EnqueueAsync_WhileAbortMarkerPresent_IsRefusedUntilCleared()
    {
        var key = UniqueKey("abort");
        await EnqueueNewAsync(key);
        var job = await DequeueOneAsync(key);
        Assert.Equal(AbortResult.Aborting, await Backend.AbortAsync(job.Clone(), "stop", Ct));

        var refused = await Backend.EnqueueAsync(NewJob(key, "other"), Ct);

        Assert.False(refused.Enqueued);
        Assert.Equal("work", (await StoredAsync(key)).Function);
        Assert.Empty(await DequeueNowAsync());

        await Backend.ClearAbortAsync(key, Ct);
        var accepted = await Backend.EnqueueAsync(NewJob(key, "other"), Ct);

        Assert.True(accepted.Enqueued);
        Assert.Equal("other", (await DequeueOneAsync(key)).Function);
    }
}
