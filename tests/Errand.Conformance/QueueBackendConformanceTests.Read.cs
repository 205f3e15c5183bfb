using Errand.Backends;

namespace Errand.Conformance;

/// <content>The monitor side: jobs by key, counts, pages of jobs, worker infos.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task GetJobAsync_UnknownKey_ReturnsNull()
    {
        Assert.Null(await Backend.GetJobAsync("nope", Ct));
    }

    [Fact]
    public async Task GetJobsAsync_SomeMissing_ReturnsThemInOrderWithNulls()
    {
        await EnqueueNewAsync("a");
        await EnqueueNewAsync("b");

        var jobs = await Backend.GetJobsAsync(["b", "missing", "a"], Ct);

        Assert.Equal(3, jobs.Count);
        Assert.Equal("b", jobs[0]!.Key);
        Assert.Null(jobs[1]);
        Assert.Equal("a", jobs[2]!.Key);
    }

    [Fact]
    public async Task GetJobAsync_CorruptDocument_ThrowsNamingTheId()
    {
        var job = await EnqueueNewAsync("bad");
        if (!await CorruptJobDocumentAsync("bad"))
        {
            Assert.Skip("this backend's tests cannot corrupt a document behind its back (override CorruptJobDocumentAsync)");
        }

        var error = await Assert.ThrowsAsync<CorruptJobException>(() => Backend.GetJobAsync("bad", Ct));

        Assert.Equal(job.Key, error.JobKey);
        Assert.Contains(job.Key, error.Message, StringComparison.Ordinal);
        Assert.Null(Assert.Single(await Backend.GetJobsAsync(["bad"], Ct)));
    }

    [Fact]
    public async Task GetJobAsync_ReturnedJob_IsACopyNotTheStoredState()
    {
        await EnqueueNewAsync("copy");
        var read = await StoredAsync("copy");

        read.Progress = 0.9;
        read.Meta["changed"] = Json("true");

        var again = await StoredAsync("copy");
        Assert.Equal(0.0, again.Progress);
        Assert.False(again.Meta.ContainsKey("changed"));
    }

    [Fact]
    public async Task CountAsync_MixedJobs_CountsEachState()
    {
        var later = Clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds();
        await EnqueueNewAsync("a");
        await EnqueueNewAsync("b");
        await EnqueueNewAsync("c");
        await EnqueueNewAsync("s1", j => j.Scheduled = later);
        await EnqueueNewAsync("s2", j => j.Scheduled = later);
        await DequeueOneAsync("a");
        var done = await DequeueOneAsync("b");
        await Backend.FinishAsync(done, JobStatus.Complete, Ct);

        var counts = await Backend.CountAsync(Ct);

        Assert.Equal(new QueueCounts(Queued: 1, Active: 1, Scheduled: 2, Incomplete: 4), counts);
    }

    [Fact]
    public async Task ListJobsAsync_ByStatusWithOffsetAndLimit_PagesThroughThatStatusWithTotal()
    {
        for (var i = 0; i < 5; i++)
        {
            await EnqueueNewAsync($"j{i}");
            Clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        await DequeueNowAsync(maxJobs: 2);
        var finished = await StoredAsync("j0");
        await Backend.FinishAsync(finished, JobStatus.Complete, Ct);

        var page1 = await Backend.ListJobsAsync(new JobQuery(JobStatus.Queued, 0, 2), Ct);
        var page2 = await Backend.ListJobsAsync(new JobQuery(JobStatus.Queued, 2, 2), Ct);
        var active = await Backend.ListJobsAsync(new JobQuery(JobStatus.Active, 0, 10), Ct);
        var complete = await Backend.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 10), Ct);
        var all = await Backend.ListJobsAsync(new JobQuery(null, 0, 10), Ct);

        Assert.Equal(2, page1.Jobs.Count);
        Assert.Single(page2.Jobs);
        Assert.Equal(3, page1.Total);
        Assert.Equal(3, page2.Total);
        Assert.Equal(["j2", "j3", "j4"], page1.Jobs.Concat(page2.Jobs).Select(j => j.Key).Order());
        Assert.All(page1.Jobs.Concat(page2.Jobs), j => Assert.Equal(JobStatus.Queued, j.Status));
        Assert.Equal("j1", Assert.Single(active.Jobs).Key);
        Assert.Equal(1, active.Total);
        Assert.Equal("j0", Assert.Single(complete.Jobs).Key);
        Assert.Equal(5, all.Total);
        Assert.Equal(["j0", "j1", "j2", "j3", "j4"], all.Jobs.Select(j => j.Key).Order());
    }

    [Fact]
    public async Task ListJobsAsync_OffsetPastTheEnd_ReturnsAnEmptyPageWithTotal()
    {
        await EnqueueNewAsync("only");

        var page = await Backend.ListJobsAsync(new JobQuery(null, 5, 10), Ct);

        Assert.Empty(page.Jobs);
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task WriteWorkerInfoAsync_ThenGetWorkers_ReturnsItWithStatsAndMetadata()
    {
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("w-one", Json("""{"host": "box", "pid": 42}""")), TimeSpan.FromSeconds(60), Ct);
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("w-two"), TimeSpan.FromSeconds(60), Ct);

        var workers = await Backend.GetWorkersAsync(Ct);

        Assert.Equal(["w-one", "w-two"], workers.Select(w => w.WorkerId).Order());
        var one = workers.Single(w => w.WorkerId == "w-one");
        Assert.Equal(QueueName, one.Queue);
        Assert.Equal(new WorkerStats(1, 2, 3, 4, 5000), one.Stats);
        Assert.Equal("box", one.Metadata!.Value.GetProperty("host").GetString());
        Assert.Equal(42, one.Metadata!.Value.GetProperty("pid").GetInt32());
        Assert.Null(workers.Single(w => w.WorkerId == "w-two").Metadata);
    }

    [Fact]
    public async Task WriteWorkerInfoAsync_Again_ReplacesTheStats()
    {
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("w"), TimeSpan.FromSeconds(60), Ct);
        Clock.Advance(TimeSpan.FromSeconds(10));

        await Backend.WriteWorkerInfoAsync(new WorkerInfo("w", QueueName, new WorkerStats(9, 0, 0, 0, 15000), null), TimeSpan.FromSeconds(60), Ct);

        var worker = Assert.Single(await Backend.GetWorkersAsync(Ct));
        Assert.Equal(9, worker.Stats.Complete);
        Assert.Equal(15000, worker.Stats.UptimeMs);
    }

    [Fact]
    public async Task RemoveWorkerInfoAsync_WrittenWorker_IsGoneFromGetWorkers()
    {
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("w-stays"), TimeSpan.FromSeconds(60), Ct);
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("w-leaves"), TimeSpan.FromSeconds(60), Ct);

        await Backend.RemoveWorkerInfoAsync("w-leaves", Ct);

        Assert.Equal("w-stays", Assert.Single(await Backend.GetWorkersAsync(Ct)).WorkerId);
    }
}
