using Errand.Backends;

namespace Errand.Conformance;

/// <content>
/// The retrying count (<see cref="QueueCounts.Retrying"/>): unfinished jobs the store retried after a failed or swept
/// attempt, counted while they wait, are scheduled or run again, and no longer once they finish or are aborted.
/// </content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task CountAsync_JobRetriedOnce_CountsRetryingWhileWaitingAndRunningAgainNotOnceComplete()
    {
        var key = UniqueKey("retrying");
        var other = UniqueKey("plain");
        await EnqueueNewAsync(key, j => j.Retries = 3);
        await EnqueueNewAsync(other);
        var job = await DequeueOneAsync(key);
        Assert.Equal(0, (await Backend.CountAsync(Ct)).Retrying);

        job.Error = "transient";
        await Backend.RetryAsync(job, TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(new QueueCounts(1, 0, 1, 2, Retrying: 1), await Backend.CountAsync(Ct));

        Clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal([key], await Backend.ScheduleAsync(LongLock, Ct));
        Assert.Equal(new QueueCounts(2, 0, 0, 2, Retrying: 1), await Backend.CountAsync(Ct));

        // The job that never failed is ahead of it (pushed when the retry's delay ended), and never counts.
        var plain = await DequeueOneAsync(other);
        var again = await DequeueOneAsync(key, "w2");
        Assert.Equal(2, again.Attempts);
        Assert.Equal(new QueueCounts(0, 2, 0, 2, Retrying: 1), await Backend.CountAsync(Ct));

        await Backend.FinishAsync(again, JobStatus.Complete, Ct);
        Assert.Equal(new QueueCounts(0, 1, 0, 1, Retrying: 0), await Backend.CountAsync(Ct));

        await Backend.FinishAsync(plain, JobStatus.Complete, Ct);
        Assert.Equal(new QueueCounts(0, 0, 0, 0, Retrying: 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task CountAsync_JobThatFailsForGood_IsNotRetrying()
    {
        var once = UniqueKey("once");
        await EnqueueNewAsync(once);
        await Backend.FinishAsync(await DequeueOneAsync(once), JobStatus.Failed, Ct);
        Assert.Equal(0, (await Backend.CountAsync(Ct)).Retrying);

        // Retried, then out of retries: it finishes failed and leaves the count.
        var key = UniqueKey("twice");
        await EnqueueNewAsync(key, j => j.Retries = 1);
        await Backend.RetryAsync(await DequeueOneAsync(key), TimeSpan.Zero, Ct);
        Assert.Equal(1, (await Backend.CountAsync(Ct)).Retrying);

        var last = await DequeueOneAsync(key);
        Assert.Equal(1, (await Backend.CountAsync(Ct)).Retrying);
        await Backend.FinishAsync(last, JobStatus.Failed, Ct);

        Assert.Equal(JobStatus.Failed, (await StoredAsync(key)).Status);
        Assert.Equal(new QueueCounts(0, 0, 0, 0, Retrying: 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task CountAsync_RetryingJobAborted_IsNotRetryingWhetherWaitingOrRunning()
    {
        var waiting = UniqueKey("waiting");
        await EnqueueNewAsync(waiting, j => j.Retries = 3);
        await Backend.RetryAsync(await DequeueOneAsync(waiting), TimeSpan.FromSeconds(30), Ct);

        var running = UniqueKey("running");
        await EnqueueNewAsync(running, j => j.Retries = 3);
        await Backend.RetryAsync(await DequeueOneAsync(running), TimeSpan.Zero, Ct);
        var again = await DequeueOneAsync(running, "w2");
        Assert.Equal(2, (await Backend.CountAsync(Ct)).Retrying);

        Assert.Equal(AbortResult.Aborted, await Backend.AbortAsync((await StoredAsync(waiting)).Clone(), "stop waiting", Ct));
        Assert.Equal(1, (await Backend.CountAsync(Ct)).Retrying);

        Assert.Equal(AbortResult.Aborting, await Backend.AbortAsync(again.Clone(), "stop running", Ct));
        Assert.Equal(0, (await Backend.CountAsync(Ct)).Retrying);

        // Its worker sees the abort and ends it: still not retrying.
        await Backend.FinishAsync(again, JobStatus.Aborted, Ct);
        Assert.Equal(new QueueCounts(0, 0, 0, 0, Retrying: 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task CountAsync_JobSweptAndRetried_IsRetryingUntilItFinishes()
    {
        var key = UniqueKey("swept");
        await EnqueueNewAsync(key, j => (j.Timeout, j.Retries) = (1, 2));
        await DequeueOneAsync(key, "gone-worker");
        Clock.Advance(TimeSpan.FromSeconds(5));

        var request = new SweepRequest(LongLock, TimeSpan.Zero) { Decide = _ => SweepDecision.Retry(TimeSpan.Zero) };
        Assert.Single((await Backend.SweepAsync(request, Ct)).Stuck);
        Assert.Equal(new QueueCounts(1, 0, 0, 1, Retrying: 1), await Backend.CountAsync(Ct));

        await Backend.FinishAsync(await DequeueOneAsync(key, "w2"), JobStatus.Complete, Ct);
        Assert.Equal(new QueueCounts(0, 0, 0, 0, Retrying: 0), await Backend.CountAsync(Ct));
    }
}
