using Errand.Backends;

namespace Errand.Conformance;

/// <content>Finished jobs past their ttl leave the totals, whatever indexes a backend keeps.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task SweepAsync_TenThousandFinishedJobsPastTheirTtl_FinishedTotalsReadZero()
    {
        const int Count = 10_000;
        // A ttl long enough that no document expires before the count below, however long 10,000 finishes take on a
        // loaded machine (Redis expires on its own clock).
        await Task.WhenAll(Enumerable.Range(0, Count).Select(_ => Backend.EnqueueAsync(WithTtl(NewJob(), 5), Ct)));
        var taken = new List<Job>(Count);
        while (taken.Count < Count && await DequeueNowAsync(500) is { Count: > 0 } batch)
        {
            taken.AddRange(batch);
        }

        Assert.Equal(Count, taken.Count);
        // A thousand finishes at a time: all 10,000 at once make script calls of several megabytes, which a loaded
        // Redis Cluster node took longer than the operation timeout to read (CI at 503106d, load 15).
        foreach (var chunk in taken.Select((job, i) => (job, i)).Chunk(1_000))
        {
            await Task.WhenAll(chunk.Select(c => Backend.FinishAsync(c.job, c.i % 10 == 0 ? JobStatus.Failed : JobStatus.Complete, Ct)));
        }

        Assert.Equal(Count, await FinishedTotalAsync());

        await LetTtlPassAsync(TimeSpan.FromSeconds(5));
        await Backend.SweepAsync(OneRound, Ct);

        Assert.Equal(0, await FinishedTotalAsync());
        Assert.Empty((await Backend.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 10), Ct)).Jobs);
    }

    [Fact]
    public async Task SweepAsync_FinishedJobsWithTtlLeftOrKeptForever_StayInTheTotals()
    {
        await FinishNewAsync("forever", 0, JobStatus.Complete);
        await FinishNewAsync("later", 600, JobStatus.Failed);
        await FinishNewAsync("gone", 1, JobStatus.Complete);
        await FinishNewAsync("again", 1, JobStatus.Aborted);
        await FinishNewAsync("again", 0, JobStatus.Complete);

        await LetTtlPassAsync(TimeSpan.FromSeconds(1));
        await Backend.SweepAsync(OneRound, Ct);

        var complete = await Backend.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 10), Ct);
        Assert.Equal(["again", "forever"], complete.Jobs.Select(j => j.Key).Order(StringComparer.Ordinal));
        Assert.Equal(2, complete.Total);
        Assert.Equal(1, (await Backend.ListJobsAsync(new JobQuery(JobStatus.Failed, 0, 0), Ct)).Total);
        Assert.Equal(0, (await Backend.ListJobsAsync(new JobQuery(JobStatus.Aborted, 0, 0), Ct)).Total);
    }

    // An engine such as Redis expires documents on its own clock: the ttl passes on the fake clock and for real, as
    // LetShortLocksExpireAsync does for locks. It is a second.
    private async Task LetTtlPassAsync(TimeSpan ttl)
    {
        Clock.Advance(ttl + TimeSpan.FromSeconds(1));
        await Task.Delay(ttl + TimeSpan.FromMilliseconds(100), TimeProvider.System, Ct);
    }

    private static Job WithTtl(Job job, int ttl)
    {
        job.Ttl = ttl;
        return job;
    }

    private async Task FinishNewAsync(string key, int ttl, JobStatus status)
    {
        await EnqueueNewAsync(key, j => j.Ttl = ttl);
        var job = await DequeueOneAsync(key);
        await Backend.FinishAsync(job, status, Ct);
    }

    private async Task<long> FinishedTotalAsync()
    {
        long total = 0;
        foreach (var status in (JobStatus[])[JobStatus.Complete, JobStatus.Failed, JobStatus.Aborted])
        {
            total += (await Backend.ListJobsAsync(new JobQuery(status, 0, 0), Ct)).Total;
        }

        return total;
    }
}
