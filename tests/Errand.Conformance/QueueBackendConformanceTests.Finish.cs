using Errand.Backends;

namespace Errand.Conformance;

/// <content>Update (heartbeat), finish with each terminal status, TTL of finished jobs, retry now and later.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task UpdateAsync_RunningJob_StoresProgressMetaAndTouched()
    {
        await EnqueueNewAsync("u");
        var job = await DequeueOneAsync("u");
        Clock.Advance(TimeSpan.FromSeconds(4));
        job.Progress = 0.5;
        job.Meta["step"] = Json("2");

        await Backend.UpdateAsync(job, Ct);

        var stored = await StoredAsync("u");
        Assert.Equal(0.5, stored.Progress);
        Assert.Equal(2, stored.Meta["step"].GetInt32());
        Assert.Equal(NowMs, stored.Touched);
        Assert.Equal(NowMs - 4000, stored.Started);
        Assert.Equal(JobStatus.Active, stored.Status);
        Assert.Equal(new QueueCounts(0, 1, 0, 1), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task UpdateAsync_JobBeingAborted_KeepsTheStoredAbortingStatus()
    {
        // A heartbeat written after an abort request must not erase the request (the worker polls the stored status).
        var key = UniqueKey("ab");
        await EnqueueNewAsync(key);
        var job = await DequeueOneAsync(key);
        Assert.Equal(AbortResult.Aborting, await Backend.AbortAsync(job.Clone(), "stop", Ct));
        job.Progress = 0.25;

        await Backend.UpdateAsync(job, Ct);

        var stored = await StoredAsync(key);
        Assert.Equal(JobStatus.Aborting, stored.Status);
        Assert.Equal(0.25, stored.Progress);
    }

    [Fact]
    public async Task FinishAsync_Complete_StoresResultProgressAndCompletedTime()
    {
        await EnqueueNewAsync("c");
        var job = await DequeueOneAsync("c");
        Clock.Advance(TimeSpan.FromSeconds(1));
        job.Result = Json("""{"sum": 3}""");

        await Backend.FinishAsync(job, JobStatus.Complete, Ct);

        var stored = await StoredAsync("c");
        Assert.Equal(JobStatus.Complete, stored.Status);
        Assert.Equal(3, stored.Result!.Value.GetProperty("sum").GetInt32());
        Assert.Equal(1.0, stored.Progress);
        Assert.Equal(NowMs, stored.Completed);
        Assert.Null(stored.Error);
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    [Theory]
    [InlineData(JobStatus.Failed)]
    [InlineData(JobStatus.Aborted)]
    public async Task FinishAsync_FailedOrAborted_StoresErrorAndRemovesFromCounts(JobStatus status)
    {
        await EnqueueNewAsync("f");
        var job = await DequeueOneAsync("f");
        job.Error = "boom\n  at Somewhere()";

        await Backend.FinishAsync(job, status, Ct);

        var stored = await StoredAsync("f");
        Assert.Equal(status, stored.Status);
        Assert.Equal("boom\n  at Somewhere()", stored.Error);
        Assert.Equal(NowMs, stored.Completed);
        Assert.Equal(0.0, stored.Progress);
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
        Assert.Empty(await DequeueNowAsync());
    }

    [Fact]
    public async Task FinishAsync_TtlMinusOne_DeletesTheJobAtOnce()
    {
        await EnqueueNewAsync("gone", j => j.Ttl = -1);
        var job = await DequeueOneAsync("gone");

        await Backend.FinishAsync(job, JobStatus.Complete, Ct);

        Assert.Null(await Backend.GetJobAsync("gone", Ct));
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(600)]
    public async Task FinishAsync_TtlZeroOrPositive_KeepsTheJob(int ttl)
    {
        await EnqueueNewAsync("kept", j => j.Ttl = ttl);
        var job = await DequeueOneAsync("kept");

        await Backend.FinishAsync(job, JobStatus.Complete, Ct);
        Clock.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(JobStatus.Complete, (await StoredAsync("kept")).Status);
    }

    [Fact]
    public async Task RetryAsync_NoDelay_RequeuesKeepingAttemptsAndError()
    {
        await EnqueueNewAsync("r", j => j.Retries = 3);
        var job = await DequeueOneAsync("r");
        job.Progress = 0.4;
        Clock.Advance(TimeSpan.FromSeconds(2));
        job.Error = "transient";

        await Backend.RetryAsync(job, TimeSpan.Zero, Ct);

        var stored = await StoredAsync("r");
        Assert.Equal(JobStatus.Queued, stored.Status);
        Assert.Equal(1, stored.Attempts);
        Assert.Equal("transient", stored.Error);
        Assert.Equal(0, stored.Started);
        Assert.Equal(0, stored.Completed);
        Assert.Equal(0.0, stored.Progress);
        Assert.Equal(NowMs, stored.Touched);
        Assert.Equal(new QueueCounts(1, 0, 0, 1, Retrying: 1), await Backend.CountAsync(Ct));
        var again = await DequeueOneAsync("r", "w2");
        Assert.Equal(2, again.Attempts);
        Assert.Equal("w2", again.WorkerId);
    }

    [Fact]
    public async Task RetryAsync_WithDelay_IsScheduledAndReadyOnlyAfterTheDelay()
    {
        await EnqueueNewAsync("later", j => j.Retries = 2);
        var job = await DequeueOneAsync("later");
        job.Error = "try again";

        await Backend.RetryAsync(job, TimeSpan.FromSeconds(5), Ct);

        Assert.Equal(JobStatus.Queued, (await StoredAsync("later")).Status);
        Assert.Empty(await DequeueNowAsync());
        Assert.Equal(new QueueCounts(0, 0, 1, 1, Retrying: 1), await Backend.CountAsync(Ct));

        Clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal([job.Key], await Backend.ScheduleAsync(LongLock, Ct));

        var again = await DequeueOneAsync("later");
        Assert.Equal(2, again.Attempts);
        Assert.Equal("try again", again.Error);
    }

    [Fact]
    public async Task RetryAsync_WithDelayBeforeItHasPassed_ScheduleMovesNothing()
    {
        await EnqueueNewAsync("later", j => j.Retries = 2);
        var job = await DequeueOneAsync("later");

        await Backend.RetryAsync(job, TimeSpan.FromSeconds(30), Ct);
        Clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Empty(await Backend.ScheduleAsync(LongLock, Ct));
        Assert.Empty(await DequeueNowAsync());
    }

    [Fact]
    public async Task RequeueAsync_FailedJob_QueuesItAgainAndKeepsIt()
    {
        await EnqueueNewAsync("again", j => j.Ttl = 600);
        var job = await DequeueOneAsync("again");
        job.Error = "first try";
        await Backend.FinishAsync(job, JobStatus.Failed, Ct);

        var failed = await StoredAsync("again");
        await Backend.RequeueAsync(failed.Key, force: false, Ct);

        var stored = await StoredAsync("again");
        Assert.Equal(JobStatus.Queued, stored.Status);
        Assert.Equal(0, stored.Completed);
        Assert.Equal("first try", stored.Error);
        Assert.Equal(new QueueCounts(1, 0, 0, 1), await Backend.CountAsync(Ct));
        Assert.Equal(2, (await DequeueOneAsync("again")).Attempts);
    }
}
