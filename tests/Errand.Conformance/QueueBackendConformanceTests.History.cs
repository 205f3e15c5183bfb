using Errand.Backends;

namespace Errand.Conformance;

/// <content>What the dashboard needs: per-minute history, and pages of finished jobs that stay fast with many jobs.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task GetHistoryAsync_NothingRecorded_ReturnsZerosOnePerMinuteEndingNow()
    {
        var history = await Backend.GetHistoryAsync(60, Ct);

        Assert.Equal(60, history.Count);
        Assert.All(history, p => Assert.Equal(0, p.Complete + p.Failed + p.Retried + p.Aborted));
        var minute = TruncateToMinute(Clock.GetUtcNow());
        Assert.Equal(minute, history[^1].Minute);
        Assert.Equal(minute.AddMinutes(-59), history[0].Minute);
    }

    [Fact]
    public async Task GetHistoryAsync_OutOfRange_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Backend.GetHistoryAsync(0, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Backend.GetHistoryAsync(IQueueMonitor.HistoryMinutes + 1, Ct));
    }

    [Fact]
    public async Task GetHistoryAsync_FinishRetryAndAbort_CountInTheMinuteTheyHappened()
    {
        for (var i = 0; i < 5; i++)
        {
            await EnqueueNewAsync($"h{i}");
        }

        await Backend.FinishAsync(await DequeueOneAsync("h0"), JobStatus.Complete, Ct);
        await Backend.FinishAsync(await DequeueOneAsync("h1"), JobStatus.Complete, Ct);
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Backend.FinishAsync(await DequeueOneAsync("h2"), JobStatus.Failed, Ct);
        await Backend.RetryAsync(await DequeueOneAsync("h3"), TimeSpan.Zero, Ct);
        await Backend.AbortAsync(await StoredAsync("h4"), "no", Ct);

        var history = await Backend.GetHistoryAsync(3, Ct);

        Assert.Equal(3, history.Count);
        Assert.Equal(new HistoryPoint(history[0].Minute, 0, 0, 0, 0), history[0]);
        Assert.Equal(new HistoryPoint(history[1].Minute, 2, 0, 0, 0), history[1]);
        Assert.Equal(new HistoryPoint(history[2].Minute, 0, 1, 1, 1), history[2]);
    }

    [Fact]
    public async Task ListJobsAsync_FinishedStatus_NewestCompletedFirst()
    {
        await EnqueueNewAsync("old");
        await EnqueueNewAsync("new");
        var old = await DequeueOneAsync("old");
        var recent = await DequeueOneAsync("new");
        await Backend.FinishAsync(recent, JobStatus.Failed, Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Backend.FinishAsync(old, JobStatus.Failed, Ct);

        var page = await Backend.ListJobsAsync(new JobQuery(JobStatus.Failed, 0, 10), Ct);

        Assert.Equal(["old", "new"], page.Jobs.Select(j => j.Key));
        Assert.Equal(2, page.Total);
        var second = await Backend.ListJobsAsync(new JobQuery(JobStatus.Failed, 1, 1), Ct);
        Assert.Equal("new", Assert.Single(second.Jobs).Key);
    }

    [Fact]
    public async Task ListJobsAsync_FailedJobRetried_LeavesTheFailedPage()
    {
        await EnqueueNewAsync("again");
        await Backend.FinishAsync(await DequeueOneAsync("again"), JobStatus.Failed, Ct);

        await Backend.RequeueAsync("again", force: false, Ct);

        var failed = await Backend.ListJobsAsync(new JobQuery(JobStatus.Failed, 0, 10), Ct);
        var queued = await Backend.ListJobsAsync(new JobQuery(JobStatus.Queued, 0, 10), Ct);
        Assert.Empty(failed.Jobs);
        Assert.Equal(0, failed.Total);
        Assert.Equal("again", Assert.Single(queued.Jobs).Key);
    }

    [Fact]
    public async Task ListJobsAsync_FinishedKeyEnqueuedAgain_ShowsOnlyItsCurrentStatus()
    {
        var key = UniqueKey("twice");
        await EnqueueNewAsync(key);
        await Backend.FinishAsync(await DequeueOneAsync(key), JobStatus.Complete, Ct);

        await EnqueueNewAsync(key);

        var complete = await Backend.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 10), Ct);
        Assert.Empty(complete.Jobs);
        Assert.Equal(JobStatus.Queued, (await StoredAsync(key)).Status);
    }

    [Fact]
    public async Task ListJobsAsync_FinishedDocumentGone_IsNotListed()
    {
        await EnqueueNewAsync("gone");
        await EnqueueNewAsync("kept");
        await Backend.FinishAsync(await DequeueOneAsync("gone"), JobStatus.Complete, Ct);
        await Backend.FinishAsync(await DequeueOneAsync("kept"), JobStatus.Complete, Ct);
        if (!await DeleteJobDocumentAsync("gone"))
        {
            Assert.Skip("this backend's tests cannot delete a document behind its back (override DeleteJobDocumentAsync)");
        }

        var page = await Backend.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 10), Ct);

        Assert.Equal("kept", Assert.Single(page.Jobs).Key);
        Assert.Equal(1, (await Backend.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 10), Ct)).Total);
    }

    [Fact]
    public async Task ListJobsAsync_LimitZero_ReturnsTheTotalOnly()
    {
        await EnqueueNewAsync("a");
        await EnqueueNewAsync("b");
        await Backend.FinishAsync(await DequeueOneAsync("a"), JobStatus.Aborted, Ct);

        var page = await Backend.ListJobsAsync(new JobQuery(JobStatus.Aborted, 0, 0), Ct);

        Assert.Empty(page.Jobs);
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task ListJobsAsync_ScanUnindexed_FindsTheSameFinishedJobs()
    {
        await EnqueueNewAsync("x");
        await Backend.FinishAsync(await DequeueOneAsync("x"), JobStatus.Failed, Ct);

        var page = await Backend.ListJobsAsync(new JobQuery(JobStatus.Failed, 0, 10) { ScanUnindexed = true }, Ct);

        Assert.Equal("x", Assert.Single(page.Jobs).Key);
        Assert.Equal(1, page.Total);
    }

    private static DateTimeOffset TruncateToMinute(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds() / 60 * 60);
}
