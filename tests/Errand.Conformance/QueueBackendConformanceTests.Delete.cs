using Errand.Backends;

namespace Errand.Conformance;

/// <content>Delete of finished jobs, an operator's action.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task DeleteFinishedAsync_FinishedWaitingRunningAndMissing_DeletesOnlyTheFinishedOnesAndTheirPages()
    {
        var (complete, failed, aborted, queued, running) = (UniqueKey("c"), UniqueKey("f"), UniqueKey("x"), UniqueKey("q"), UniqueKey("a"));
        foreach (var (key, status) in new[] { (complete, JobStatus.Complete), (failed, JobStatus.Failed) })
        {
            await EnqueueNewAsync(key);
            await Backend.FinishAsync(await DequeueOneAsync(key), status, Ct);
        }

        Assert.Equal(AbortResult.Aborted, await Backend.AbortAsync(await EnqueueNewAsync(aborted), "no", Ct));
        await EnqueueNewAsync(running);
        await DequeueOneAsync(running);
        await EnqueueNewAsync(queued);

        var deleted = await Backend.DeleteFinishedAsync([complete, failed, aborted, queued, running, UniqueKey("missing"), complete], Ct);

        Assert.Equal(new[] { aborted, complete, failed }.Order(StringComparer.Ordinal), deleted.Order(StringComparer.Ordinal));
        Assert.Null(await Backend.GetJobAsync(complete, Ct));
        Assert.Null(await Backend.GetJobAsync(failed, Ct));
        Assert.Null(await Backend.GetJobAsync(aborted, Ct));
        Assert.Equal(JobStatus.Queued, (await StoredAsync(queued)).Status);
        Assert.Equal(JobStatus.Active, (await StoredAsync(running)).Status);
        foreach (var status in new[] { JobStatus.Complete, JobStatus.Failed, JobStatus.Aborted })
        {
            var page = await Backend.ListJobsAsync(new JobQuery(status), Ct);
            Assert.Empty(page.Jobs);
            Assert.Equal(0, page.Total);
        }

        Assert.Equal(new QueueCounts(1, 1, 0, 2), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task DeleteFinishedAsync_DeletedKey_CanBeEnqueuedAgainAndIsListedOnceWhenItFinishes()
    {
        var key = UniqueKey("again");
        await EnqueueNewAsync(key);
        await Backend.FinishAsync(await DequeueOneAsync(key), JobStatus.Failed, Ct);
        Assert.Equal([key], await Backend.DeleteFinishedAsync([key], Ct));

        Assert.True((await Backend.EnqueueAsync(NewJob(key), Ct)).Enqueued);
        await Backend.FinishAsync(await DequeueOneAsync(key), JobStatus.Failed, Ct);

        var page = await Backend.ListJobsAsync(new JobQuery(JobStatus.Failed), Ct);
        Assert.Equal([key], page.Jobs.Select(j => j.Key));
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task DeleteFinishedAsync_JobRetriedBeforeTheDelete_IsNotDeleted()
    {
        var key = UniqueKey("retried");
        await EnqueueNewAsync(key);
        await Backend.FinishAsync(await DequeueOneAsync(key), JobStatus.Failed, Ct);
        await Backend.RequeueAsync(key, force: false, Ct);

        Assert.Empty(await Backend.DeleteFinishedAsync([key], Ct));
        Assert.Equal(JobStatus.Queued, (await StoredAsync(key)).Status);
    }

    [Fact]
    public async Task DeleteFinishedAsync_FiveHundredFinishedJobs_DeletesThemAllInBatches()
    {
        var keys = Enumerable.Range(0, 500).Select(i => $"{UniqueKey("many")}-{i}").ToList();
        foreach (var key in keys)
        {
            await Backend.EnqueueAsync(NewJob(key), Ct);
        }

        for (var done = 0; done < keys.Count;)
        {
            var taken = await DequeueNowAsync(100);
            foreach (var job in taken)
            {
                await Backend.FinishAsync(job, JobStatus.Complete, Ct);
            }

            done += taken.Count;
        }

        var deleted = await Backend.DeleteFinishedAsync(keys, Ct);

        Assert.Equal(500, deleted.Count);
        Assert.Equal(0, (await Backend.ListJobsAsync(new JobQuery(JobStatus.Complete), Ct)).Total);
    }
}
