using Errand.Backends;

namespace Errand.Conformance;

/// <content>Abort and an operator's retry act on the stored state; a stale attempt's writes change nothing.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task AbortAsync_StaleCopyOfAJobThatHasFinished_ChangesNothingAndSaysSo()
    {
        var key = UniqueKey("done");
        await EnqueueNewAsync(key);
        var job = await DequeueOneAsync(key);
        var staleCopy = job.Clone();
        await Backend.FinishAsync(job, JobStatus.Complete, Ct);

        Assert.Equal(AbortResult.AlreadyFinished, await Backend.AbortAsync(staleCopy, "too late", Ct));

        var stored = await StoredAsync(key);
        Assert.Equal(JobStatus.Complete, stored.Status);
        Assert.Null(stored.Error);
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
        Assert.True((await Backend.EnqueueAsync(NewJob(key), Ct)).Enqueued, "an abort marker was left behind");
    }

    [Fact]
    public async Task AbortAsync_KeyNeverEnqueued_ReturnsNotFoundAndWritesNothing()
    {
        var key = UniqueKey("none");

        Assert.Equal(AbortResult.NotFound, await Backend.AbortAsync(NewJob(key), "no such job", Ct));

        Assert.Null(await Backend.GetJobAsync(key, Ct));
        Assert.True((await Backend.EnqueueAsync(NewJob(key), Ct)).Enqueued);
    }

    [Fact]
    public async Task RequeueAsync_QueuedOrActiveJob_IsRefusedUnlessForced()
    {
        var key = UniqueKey("busy");
        await EnqueueNewAsync(key);
        var queued = await Assert.ThrowsAsync<JobNotRetryableException>(() => Backend.RequeueAsync(key, force: false, Ct));
        Assert.Equal(JobStatus.Queued, queued.Status);

        var running = await DequeueOneAsync(key);
        var active = await Assert.ThrowsAsync<JobNotRetryableException>(() => Backend.RequeueAsync(key, force: false, Ct));
        Assert.Equal(JobStatus.Active, active.Status);
        Assert.Equal(new QueueCounts(0, 1, 0, 1), await Backend.CountAsync(Ct));

        var forced = await Backend.RequeueAsync(key, force: true, Ct);
        Assert.Equal(JobStatus.Queued, forced!.Status);
        Assert.Equal(new QueueCounts(1, 0, 0, 1), await Backend.CountAsync(Ct));

        // The attempt that was running is no longer current: its outcome stores nothing.
        await Backend.FinishAsync(running, JobStatus.Failed, Ct);
        Assert.Equal(JobStatus.Queued, (await StoredAsync(key)).Status);
        Assert.Equal(new QueueCounts(1, 0, 0, 1), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task FinishRetryAndUpdate_OfAnAttemptTakenOverByANewerOne_ChangeNothing()
    {
        var key = UniqueKey("stale");
        await EnqueueNewAsync(key, j => j.Retries = 3);
        var first = await DequeueOneAsync(key, "w1");
        await Backend.RequeueAsync(key, force: true, Ct);
        var second = await DequeueOneAsync(key, "w2");
        Assert.Equal(first.Attempts + 1, second.Attempts);

        first.Progress = 0.5;
        await Backend.UpdateAsync(first, Ct);
        await Backend.RetryAsync(first.Clone(), TimeSpan.Zero, Ct);
        await Backend.FinishAsync(first, JobStatus.Failed, Ct);

        var stored = await StoredAsync(key);
        Assert.Equal((JobStatus.Active, second.Attempts, "w2", 0.0), (stored.Status, stored.Attempts, stored.WorkerId, stored.Progress));
        Assert.Equal(new QueueCounts(0, 1, 0, 1), await Backend.CountAsync(Ct));

        await Backend.FinishAsync(second, JobStatus.Complete, Ct);
        Assert.Equal(JobStatus.Complete, (await StoredAsync(key)).Status);
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task SweepAsync_RunningJobAbortedWhileItsWorkerIsGone_EndsAbortedOnceTheGraceHasPassed()
    {
        // SAQ's abort takes a running job out of the active list; a worker that is dead never ends it.
        var key = UniqueKey("orphan");
        await EnqueueNewAsync(key);
        await DequeueOneAsync(key, "dead-worker");
        Assert.Equal(AbortResult.Aborting, await Backend.AbortAsync(NewJob(key), "operator", Ct));
        var grace = TimeSpan.FromSeconds(10);
        var round = new SweepRequest(ShortLock, grace) { Decide = _ => SweepDecision.End(JobStatus.Aborted) };

        Assert.Empty((await Backend.SweepAsync(round, Ct)).Stuck);
        Assert.Equal(JobStatus.Aborting, (await StoredAsync(key)).Status);

        await LetShortLocksExpireAsync();
        Clock.Advance(grace + TimeSpan.FromSeconds(1));
        var swept = Assert.Single((await Backend.SweepAsync(round, Ct)).Stuck);

        Assert.Equal(key, swept.Job.Key);
        var stored = await StoredAsync(key);
        Assert.Equal((JobStatus.Aborted, "operator"), (stored.Status, stored.Error));
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }
}
