using System.Text.Json;
using Errand.Backends;

namespace Errand.Conformance;

/// <content>Sweep: stuck jobs by timeout, heartbeat and gone worker; in-transit jobs; missing documents; the lock.</content>
public abstract partial class QueueBackendConformanceTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private static SweepRequest OneRound => new(LongLock, Grace);

    private static SweepRequest ShortRound => new(ShortLock, Grace);

    [Fact]
    public async Task SweepAsync_ActiveJobPastItsTimeout_ReportsItTimedOut()
    {
        await EnqueueNewAsync("slow", j => j.Timeout = 2);
        await DequeueOneAsync("slow");
        Clock.Advance(TimeSpan.FromSeconds(3));

        var result = await Backend.SweepAsync(OneRound, Ct);

        var swept = Assert.Single(result.Stuck);
        Assert.Equal("slow", swept.Job.Key);
        Assert.Equal(SweepReason.TimedOut, swept.Reason);
        Assert.Equal(JobStatus.Active, swept.Job.Status);
        Assert.Empty(result.Removed);
    }

    [Fact]
    public async Task SweepAsync_LiveWorkersJobJustPastItsTimeout_IsLeftToThatWorkerForTheGrace()
    {
        await Backend.WriteWorkerInfoAsync(new WorkerInfo("w1", QueueName, new WorkerStats(0, 0, 0, 0, 0), null), TimeSpan.FromMinutes(10), Ct);
        await EnqueueNewAsync("slow", j => j.Timeout = 2);
        await DequeueOneAsync("slow");
        Clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Empty((await Backend.SweepAsync(ShortRound, Ct)).Stuck);

        await LetShortLocksExpireAsync();
        Clock.Advance(SweepRules.LiveWorkerTimeoutGrace);
        var swept = Assert.Single((await Backend.SweepAsync(ShortRound, Ct)).Stuck);
        Assert.Equal(("slow", SweepReason.TimedOut), (swept.Job.Key, swept.Reason));
    }

    [Fact]
    public async Task SweepAsync_ActiveJobWithinItsTimeout_ReportsNothing()
    {
        await EnqueueNewAsync("ok", j => j.Timeout = 5);
        await DequeueOneAsync("ok");
        Clock.Advance(TimeSpan.FromSeconds(4));

        var result = await Backend.SweepAsync(OneRound, Ct);

        Assert.Empty(result.Stuck);
        Assert.Empty(result.Removed);
        Assert.Equal(new QueueCounts(0, 1, 0, 1), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task SweepAsync_HeartbeatMissed_ReportsIt()
    {
        await EnqueueNewAsync("quiet", j => (j.Timeout, j.Heartbeat) = (60, 2));
        await DequeueOneAsync("quiet");
        Clock.Advance(TimeSpan.FromSeconds(3));

        var result = await Backend.SweepAsync(OneRound, Ct);

        var swept = Assert.Single(result.Stuck);
        Assert.Equal("quiet", swept.Job.Key);
        Assert.Equal(SweepReason.HeartbeatMissed, swept.Reason);
    }

    [Fact]
    public async Task SweepAsync_HeartbeatKeptByUpdates_ReportsNothing()
    {
        await EnqueueNewAsync("beating", j => (j.Timeout, j.Heartbeat) = (60, 2));
        var job = await DequeueOneAsync("beating");
        Clock.Advance(TimeSpan.FromSeconds(1.5));
        await Backend.UpdateAsync(job, Ct);
        Clock.Advance(TimeSpan.FromSeconds(1.5));

        var result = await Backend.SweepAsync(OneRound, Ct);

        Assert.Empty(result.Stuck);
    }

    [Fact]
    public async Task SweepAsync_NoTimeoutNoHeartbeatAndWorkerGone_ReportsItOnlyAfterTheGrace()
    {
        await EnqueueNewAsync("orphan", j => j.Timeout = 0);
        await DequeueOneAsync("orphan", "dead-worker");

        var first = await Backend.SweepAsync(ShortRound, Ct);
        Assert.Empty(first.Stuck);

        await LetShortLocksExpireAsync();
        Clock.Advance(Grace + TimeSpan.FromSeconds(1));
        var second = await Backend.SweepAsync(ShortRound, Ct);

        var swept = Assert.Single(second.Stuck);
        Assert.Equal("orphan", swept.Job.Key);
        Assert.Equal(SweepReason.WorkerGone, swept.Reason);
    }

    [Fact]
    public async Task SweepAsync_NoTimeoutNoHeartbeatAndWorkerAlive_ReportsNothing()
    {
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("live-worker"), TimeSpan.FromSeconds(60), Ct);
        await EnqueueNewAsync("long", j => j.Timeout = 0);
        await DequeueOneAsync("long", "live-worker");

        var first = await Backend.SweepAsync(ShortRound, Ct);
        await LetShortLocksExpireAsync();
        Clock.Advance(Grace + TimeSpan.FromSeconds(1));
        var second = await Backend.SweepAsync(ShortRound, Ct);

        Assert.Empty(first.Stuck);
        Assert.Empty(second.Stuck);
    }

    [Fact]
    public async Task SweepAsync_JobTakenButStillMarkedQueued_IsInTransitUntilTheGraceHasPassed()
    {
        await EnqueueNewAsync("transit");
        var job = await DequeueOneAsync("transit");
        job.Status = JobStatus.Queued;
        await Backend.UpdateAsync(job, Ct);

        var first = await Backend.SweepAsync(ShortRound, Ct);
        Assert.Empty(first.Stuck);

        await LetShortLocksExpireAsync();
        Clock.Advance(Grace + TimeSpan.FromSeconds(1));
        var second = await Backend.SweepAsync(ShortRound, Ct);

        var swept = Assert.Single(second.Stuck);
        Assert.Equal("transit", swept.Job.Key);
        Assert.Equal(SweepReason.NotActive, swept.Reason);
    }

    [Fact]
    public async Task SweepAsync_InTransitJobThatBecameActive_IsNotSwept()
    {
        await EnqueueNewAsync("transit");
        var job = await DequeueOneAsync("transit");
        var taken = job.Clone();
        (taken.Status, taken.Attempts) = (JobStatus.Queued, job.Attempts - 1); // as stored before its active mark
        await Backend.UpdateAsync(taken, Ct);
        Assert.Empty((await Backend.SweepAsync(ShortRound, Ct)).Stuck);

        await Backend.UpdateAsync(job, Ct);
        await LetShortLocksExpireAsync();
        Clock.Advance(Grace + TimeSpan.FromSeconds(1));

        Assert.Empty((await Backend.SweepAsync(ShortRound, Ct)).Stuck);
    }

    [Fact]
    public async Task SweepAsync_RightAfterAnotherRound_ReturnsEmptyBecauseOfTheLock()
    {
        await EnqueueNewAsync("slow", j => j.Timeout = 1);
        await DequeueOneAsync("slow");
        Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Single((await Backend.SweepAsync(OneRound, Ct)).Stuck);

        var second = await Backend.SweepAsync(OneRound, Ct);

        Assert.Empty(second.Stuck);
        Assert.Empty(second.Removed);
    }

    [Fact]
    public Task SweepAsync_ActiveIdWithoutDocument_RemovesIt() =>
        AssertSweepRemovesTamperedActiveJobAsync("lost", DeleteJobDocumentAsync, "delete", nameof(DeleteJobDocumentAsync));

    [Fact]
    public Task SweepAsync_ActiveIdWithCorruptDocument_RemovesIt() =>
        AssertSweepRemovesTamperedActiveJobAsync("bad", CorruptJobDocumentAsync, "corrupt", nameof(CorruptJobDocumentAsync));

    private async Task AssertSweepRemovesTamperedActiveJobAsync(string key, Func<string, Task<bool>> tamper, string verb, string hook)
    {
        var job = await EnqueueNewAsync(key);
        await DequeueOneAsync(key);
        if (!await tamper(key))
        {
            Assert.Skip($"this backend's tests cannot {verb} a document behind its back (override {hook})");
        }

        var result = await Backend.SweepAsync(OneRound, Ct);

        Assert.Empty(result.Stuck);
        Assert.Equal([job.Key], result.Removed);
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task SweepAsync_StuckJobAbortedAndRetriedByTheCaller_RunsAgain()
    {
        // What the worker's sweeper does with a stuck job that has attempts left (SAQ: abort "swept", then retry).
        var key = UniqueKey("stuck");
        await EnqueueNewAsync(key, j => (j.Timeout, j.Retries) = (1, 2));
        await DequeueOneAsync(key, "dead-worker");
        Clock.Advance(TimeSpan.FromSeconds(2));
        var swept = Assert.Single((await Backend.SweepAsync(OneRound, Ct)).Stuck).Job;

        Assert.Equal(AbortResult.Aborting, await Backend.AbortAsync(swept, "swept", Ct));
        var aborting = await StoredAsync(key);
        await Backend.RetryAsync(aborting, TimeSpan.Zero, Ct);

        var again = await DequeueOneAsync(key, "w2");
        Assert.Equal(2, again.Attempts);
        Assert.Equal("swept", again.Error);
        Assert.Equal(new QueueCounts(0, 1, 0, 1, Retrying: 1), await Backend.CountAsync(Ct));
    }

    /// <summary>Returns worker info for <paramref name="workerId"/> on this test's queue.</summary>
    protected WorkerInfo NewWorkerInfo(string workerId, JsonElement? metadata = null) =>
        new(workerId, QueueName, new WorkerStats(1, 2, 3, 4, 5000), metadata);
}
