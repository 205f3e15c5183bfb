using System.Collections.Concurrent;
using Errand.Backends;

namespace Errand.Conformance;

/// <content>Dequeue: marking active, FIFO batches, races, blocking waits.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task DequeueAsync_ReadyJob_MarksItActiveForTheWorker()
    {
        var enqueued = await EnqueueNewAsync();
        Clock.Advance(TimeSpan.FromSeconds(2));

        var job = Assert.Single(await DequeueNowAsync(workerId: "worker-a"));

        Assert.Equal(enqueued.Key, job.Key);
        Assert.Equal(JobStatus.Active, job.Status);
        Assert.Equal(1, job.Attempts);
        Assert.Equal(NowMs, job.Started);
        Assert.Equal(NowMs, job.Touched);
        Assert.Equal("worker-a", job.WorkerId);
        Assert.Equal(enqueued.Queued, job.Queued);
        var stored = await StoredAsync(job.Key);
        Assert.Equal(JobStatus.Active, stored.Status);
        Assert.Equal(1, stored.Attempts);
        Assert.Equal(NowMs, stored.Started);
        Assert.Equal(NowMs, stored.Touched);
        Assert.Equal("worker-a", stored.WorkerId);
        Assert.Equal(new QueueCounts(0, 1, 0, 1), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task DequeueAsync_MaxJobsThreeWithFiveReady_TakesTheOldestThreeInOrder()
    {
        for (var i = 0; i < 5; i++)
        {
            await EnqueueNewAsync($"j{i}");
        }

        var jobs = await DequeueNowAsync(maxJobs: 3);

        Assert.Equal(["j0", "j1", "j2"], jobs.Select(j => j.Key));
        Assert.All(jobs, j => Assert.Equal(JobStatus.Active, j.Status));
        Assert.Equal(new QueueCounts(2, 3, 0, 5), await Backend.CountAsync(Ct));
        Assert.Equal(["j3", "j4"], (await DequeueNowAsync(maxJobs: 3)).Select(j => j.Key));
    }

    [Fact]
    public async Task DequeueAsync_NothingReadyAndWaitZero_ReturnsEmptyAtOnce()
    {
        var jobs = await Within(Backend.DequeueAsync(new DequeueRequest("w1", 4, TimeSpan.Zero), Ct));

        Assert.Empty(jobs);
    }

    [Fact]
    public async Task DequeueAsync_TwoWorkersRace_EachJobIsHandedOutOnce()
    {
        const int Count = 20;
        for (var i = 0; i < Count; i++)
        {
            await EnqueueNewAsync($"r{i}");
        }

        var taken = new ConcurrentBag<(string Worker, string Key)>();
        async Task DrainAsync(string worker, int batch)
        {
            await Task.Yield();
            while (true)
            {
                var jobs = await Backend.DequeueAsync(new DequeueRequest(worker, batch, TimeSpan.Zero), Ct);
                if (jobs.Count == 0)
                {
                    return;
                }

                foreach (var job in jobs)
                {
                    Assert.Equal(worker, job.WorkerId);
                    taken.Add((worker, job.Key));
                }
            }
        }

        await Within(Task.WhenAll(Task.Run(() => DrainAsync("wa", 1)), Task.Run(() => DrainAsync("wb", 3))));

        var keys = taken.Select(t => t.Key).ToList();
        Assert.Equal(Count, keys.Count);
        Assert.Equal(Count, keys.Distinct().Count());
        Assert.All(await Backend.GetJobsAsync(keys, Ct), j => Assert.Equal(1, j!.Attempts));
        Assert.Equal(new QueueCounts(0, Count, 0, Count), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task DequeueAsync_IdleWorker_WakesWhenAJobIsEnqueued()
    {
        Assert.SkipUnless(Backend.Capabilities.HasFlag(BackendCapabilities.BlockingDequeue), "the backend does not block on dequeue");

        // The wait is long on every clock; the job must come back well before it ends.
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 2, TimeSpan.FromSeconds(30)), Ct);
        var job = await EnqueueNewAsync("wake");

        var jobs = await Within(waiting);

        Assert.Equal(job.Key, Assert.Single(jobs).Key);
        Assert.Equal(JobStatus.Active, (await StoredAsync("wake")).Status);
    }

    [Fact]
    public async Task DequeueAsync_IdleWorker_WakesWhenAJobIsRetried()
    {
        Assert.SkipUnless(Backend.Capabilities.HasFlag(BackendCapabilities.BlockingDequeue), "the backend does not block on dequeue");
        await EnqueueNewAsync("again");
        var job = await DequeueOneAsync("again");

        var waiting = Backend.DequeueAsync(new DequeueRequest("w2", 1, TimeSpan.FromSeconds(30)), Ct);
        await Backend.RetryAsync(job, TimeSpan.Zero, Ct);

        var retried = Assert.Single(await Within(waiting));
        Assert.Equal("again", retried.Key);
        Assert.Equal(2, retried.Attempts);
        Assert.Equal("w2", retried.WorkerId);
    }

    [Fact]
    public async Task DequeueAsync_TwoIdleWorkersAndTwoJobs_EachWorkerGetsOne()
    {
        Assert.SkipUnless(Backend.Capabilities.HasFlag(BackendCapabilities.BlockingDequeue), "the backend does not block on dequeue");

        var first = Backend.DequeueAsync(new DequeueRequest("wa", 1, TimeSpan.FromSeconds(30)), Ct);
        var second = Backend.DequeueAsync(new DequeueRequest("wb", 1, TimeSpan.FromSeconds(30)), Ct);
        await EnqueueNewAsync("x");
        await EnqueueNewAsync("y");

        var jobs = (await Within(Task.WhenAll(first, second))).SelectMany(j => j).Select(j => j.Key).Order();

        Assert.Equal(["x", "y"], jobs);
    }
}
