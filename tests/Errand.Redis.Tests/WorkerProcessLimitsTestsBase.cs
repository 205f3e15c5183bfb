using Errand.Conformance;

namespace Errand.Redis.Tests;

/// <summary>Limits with three real worker processes on one store: the store's limits hold across them, and a SIGKILL leaks no slot.</summary>
/// <remarks>
/// The limits are written by the test, not by the processes (which have none configured): the store enforces what it
/// holds. Simultaneity is measured from the stored jobs: each one's start (stored when taken, after the take freed a
/// slot) and completion (set before its finish frees the slot), on the one machine's clock.
/// Each engine's test project derives it with its server; this file is compiled into both (Errand.Postgres.Tests links it).
/// </remarks>
public abstract class WorkerProcessLimitsTestsBase
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly string[] FastTimers = ["--sweep-interval", "1", "--worker-info-interval", "1", "--concurrency", "6"];

    /// <summary>Gets how much later than 3 s the twentieth of 20 starts at 5 a second may come (wake-up latency under load).</summary>
    protected virtual long RateLateByMs => 2000;

    /// <summary>Skips the test when the engine's server is not installed.</summary>
    protected abstract void SkipIfMissing();

    /// <summary>Returns the URL of an empty store the worker processes are given.</summary>
    protected abstract Task<string> StoreUrlAsync();

    /// <summary>Opens the queue <paramref name="name"/> of the store at <paramref name="url"/>.</summary>
    protected abstract Task<Queue> ConnectAsync(string url, string name, CancellationToken ct);

    [Fact]
    public async Task ThreeProcesses_FunctionLimitThreeAndKeyLimitOne_NeverRunMoreAtOnce()
    {
        SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var name = $"p{Guid.NewGuid():N}";
        var url = await StoreUrlAsync();
        await using var queue = await ConnectAsync(url, name, ct);
        var limits = new QueueLimits { Keys = new Limit { Concurrency = 1 } };
        limits.Functions["sleep"] = new Limit { Concurrency = 3 };
        await queue.Backend.SetLimitsAsync(limits, ct);
        using var a = WorkerProcess.Start(url, name, FastTimers);
        using var b = WorkerProcess.Start(url, name, FastTimers);
        using var c = WorkerProcess.Start(url, name, FastTimers);
        await WaitForWorkersAsync(queue, 3, ct);
        var jobs = new List<Job>();
        for (var i = 0; i < 60; i++)
        {
            jobs.Add(await queue.EnqueueAsync("sleep", new { seconds = 0.04 }, new JobOptions { GroupKey = $"customer-{i % 5}" }, ct));
        }

        for (var i = 0; i < 20; i++)
        {
            // Another function, limited by its key only: it is never held behind the saturated function.
            jobs.Add(await queue.EnqueueAsync("add", new { a = i, b = 1 }, new JobOptions { GroupKey = $"adder-{i % 2}" }, ct));
        }

        var done = new List<Job>();
        foreach (var job in jobs)
        {
            var finished = await queue.WaitAsync(job.Key, Patience, ct);
            Assert.True(finished.Status == JobStatus.Complete, $"{finished.Status}: {finished.Error}\n{a.Output}");
            done.Add(finished);
        }

        var sleeps = done.Where(j => j.Function == "sleep").ToList();
        Assert.InRange(MaxOverlap(sleeps), 1, 3);
        Assert.All(done.GroupBy(j => j.GroupKey), group => Assert.Equal(1, MaxOverlap([.. group])));
        Assert.True(done.Select(j => j.WorkerId).Distinct().Count() > 1, "one process ran every job");
        Assert.All(await queue.Backend.GetLimitStatesAsync(ct), s => Assert.Equal((0, 0), (s.Running, s.Held)));
    }

    [Fact]
    public async Task ThreeProcesses_RateFivePerSecond_StartNoMoreThanFiveInAnySecond()
    {
        SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var name = $"p{Guid.NewGuid():N}";
        var url = await StoreUrlAsync();
        await using var queue = await ConnectAsync(url, name, ct);
        var limits = new QueueLimits();
        limits.Functions["add"] = new Limit { Rate = 5, Period = TimeSpan.FromSeconds(1) };
        await queue.Backend.SetLimitsAsync(limits, ct);
        using var a = WorkerProcess.Start(url, name, FastTimers);
        using var b = WorkerProcess.Start(url, name, FastTimers);
        using var c = WorkerProcess.Start(url, name, FastTimers);
        await WaitForWorkersAsync(queue, 3, ct);
        var jobs = new List<Job>();
        for (var i = 0; i < 20; i++)
        {
            jobs.Add(await queue.EnqueueAsync("add", new { a = i, b = 1 }, cancellationToken: ct));
        }

        var starts = new List<long>();
        foreach (var job in jobs)
        {
            var finished = await queue.WaitAsync(job.Key, Patience, ct);
            Assert.True(finished.Status == JobStatus.Complete, $"{finished.Status}: {finished.Error}\n{a.Output}");
            starts.Add(finished.Started);
        }

        // The store judges by the "now" of each take; a start is stored when the worker process marks the job, after the
        // take's reply: on this shared machine (load average about 8 on 2 cores) a process may mark it a few hundred
        // milliseconds late, which shortens the gap after a late start. Hence the slack.
        starts.Sort();
        const long Slack = 300;
        for (var i = 5; i < starts.Count; i++)
        {
            Assert.True(starts[i] - starts[i - 5] >= 1000 - Slack, $"starts {i - 5} and {i} were {starts[i] - starts[i - 5]} ms apart");
        }

        // 20 starts at 5 a second: the last three periods each wait for the first of the period before.
        Assert.InRange(starts[^1] - starts[0], 3000 - Slack, 3000 + RateLateByMs);
    }

    [Fact]
    public async Task ProcessesKilledWhileLimitedJobsRun_SlotsAreFreedAndEveryJobCompletes()
    {
        SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var name = $"p{Guid.NewGuid():N}";
        var url = await StoreUrlAsync();
        await using var queue = await ConnectAsync(url, name, ct);
        var limits = new QueueLimits();
        limits.Functions["sleep"] = new Limit { Concurrency = 2 };
        await queue.Backend.SetLimitsAsync(limits, ct);
        var jobs = new List<Job>();
        for (var i = 0; i < 8; i++)
        {
            // No timeout and no heartbeat: only the dead workers' expired infos tell the sweep.
            jobs.Add(await queue.EnqueueAsync("sleep", new { seconds = 0.5 }, new JobOptions { Timeout = TimeSpan.Zero, Retries = 3 }, ct));
        }

        var first = new[] { WorkerProcess.Start(url, name, FastTimers), WorkerProcess.Start(url, name, FastTimers), WorkerProcess.Start(url, name, FastTimers) };
        await JobSignals.WaitForStatusAsync(queue, queue.Backend, jobs[0].Key, JobStatus.Active, Patience, ct);
        var running = Assert.Single(await queue.Backend.GetLimitStatesAsync(ct));
        Assert.Equal(2, running.Concurrency);
        Assert.InRange(running.Running, 1, 2);
        foreach (var process in first)
        {
            await process.KillAsync();
            process.Dispose();
        }

        using var survivor = WorkerProcess.Start(url, name, FastTimers);
        foreach (var job in jobs)
        {
            Job finished;
            try
            {
                finished = await queue.WaitAsync(job.Key, Patience, ct);
            }
            catch (JobWaitTimeoutException ex)
            {
                var states = string.Join("; ", await queue.Backend.GetLimitStatesAsync(ct));
                throw new InvalidOperationException($"{ex.Message}; limits: {states}; counts: {await queue.Backend.CountAsync(ct)}\n{survivor.Output}", ex);
            }

            Assert.True(finished.Status == JobStatus.Complete, $"{finished.Status}: {finished.Error}\n{survivor.Output}");
        }

        var state = Assert.Single(await queue.Backend.GetLimitStatesAsync(ct));
        Assert.Equal((0, 0), (state.Running, state.Held));
        Assert.True(MaxOverlap([.. await Task.WhenAll(jobs.Select(j => queue.GetJobAsync(j.Key, ct)))!]) <= 2);
    }

    // Every process is up before the jobs come, so that all three take them (starting a process takes seconds on a
    // loaded machine). Worker infos have no notification: read every 50 ms.
    private static async Task WaitForWorkersAsync(Queue queue, int count, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Patience);
        while ((await queue.Backend.GetWorkersAsync(deadline.Token)).Count < count)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, deadline.Token);
        }
    }

    // The most jobs running at one moment: a job runs from its start to its completion; at equal times ends come first.
    private static int MaxOverlap(IReadOnlyList<Job?> jobs)
    {
        var events = jobs.OfType<Job>()
            .SelectMany(j => new[] { (At: j.Started, Delta: 1), (At: j.Completed, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta);
        int now = 0, max = 0;
        foreach (var (_, delta) in events)
        {
            now += delta;
            max = Math.Max(max, now);
        }

        return max;
    }
}
