using Errand.Backends;

namespace Errand.Conformance;

/// <content>Limits: concurrency per function and per group key, no head-of-line blocking, slots freed by every end, rates over fake time, holds.</content>
public abstract partial class QueueBackendConformanceTests
{
    private void SkipUnlessLimits() =>
        Assert.SkipUnless(Backend.Capabilities.HasFlag(BackendCapabilities.Limits), "the backend does not enforce limits");

    private async Task SetLimitsAsync(Action<QueueLimits> configure)
    {
        var limits = new QueueLimits();
        configure(limits);
        await Backend.SetLimitsAsync(limits, Ct);
    }

    private async Task<Job> EnqueueLimitedAsync(string key, string function, string? groupKey = null)
    {
        var job = NewJob(key, function);
        job.GroupKey = groupKey;
        var result = await Backend.EnqueueAsync(job, Ct);
        Assert.True(result.Enqueued, $"job {key} was not enqueued");
        return result.Job;
    }

    [Fact]
    public async Task DequeueAsync_FunctionAtItsConcurrencyLimit_TakesNoMoreOfItAndTakesOtherFunctionsPastIt()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l => l.Functions["report"] = new Limit { Concurrency = 2 });
        for (var i = 0; i < 5; i++)
        {
            await EnqueueLimitedAsync($"r{i}", "report");
        }

        await EnqueueLimitedAsync("other", "mail");

        var taken = await DequeueNowAsync(maxJobs: 10);

        Assert.Equal(["r0", "r1", "other"], taken.Select(j => j.Key));
        Assert.Empty(await DequeueNowAsync(maxJobs: 10));
        var held = await StoredAsync("r2");
        Assert.Equal((JobStatus.Queued, 0), (held.Status, held.Attempts));
        Assert.Equal(3, (await Backend.CountAsync(Ct)).Queued);
    }

    [Fact]
    public async Task FinishAsync_LimitedJob_FreesItsSlotForTheOldestHeldJobOnly()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l => l.Functions["report"] = new Limit { Concurrency = 2 });
        for (var i = 0; i < 5; i++)
        {
            await EnqueueLimitedAsync($"r{i}", "report");
        }

        var taken = await DequeueNowAsync(maxJobs: 10);
        Assert.Equal(2, taken.Count);

        await Backend.FinishAsync(taken[0], JobStatus.Complete, Ct);

        Assert.Equal(["r2"], (await DequeueNowAsync(maxJobs: 10)).Select(j => j.Key));
        await Backend.RetryAsync(taken[1], TimeSpan.Zero, Ct);

        // The retried job is queued again: the store takes it or the oldest held job, by its own order (on PostgreSQL a
        // job retried without a delay keeps its place, SAQ's order by priority, scheduled second and lock_key), never both.
        Assert.Contains(Assert.Single(await DequeueNowAsync(maxJobs: 10)).Key, new[] { "r1", "r3" });
        Assert.Empty(await DequeueNowAsync(maxJobs: 10));
    }

    [Fact]
    public async Task DequeueAsync_GroupKeyLimitOne_RunsOneJobOfEachKeyAtATime()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l => l.Keys = new Limit { Concurrency = 1 });
        await EnqueueLimitedAsync("a1", "work", "customer-a");
        await EnqueueLimitedAsync("a2", "work", "customer-a");
        await EnqueueLimitedAsync("b1", "work", "customer-b");
        await EnqueueLimitedAsync("b2", "work", "customer-b");
        await EnqueueLimitedAsync("n1", "work");

        var taken = await DequeueNowAsync(maxJobs: 10);

        Assert.Equal(["a1", "b1", "n1"], taken.Select(j => j.Key));
        await Backend.FinishAsync(taken[1], JobStatus.Failed, Ct);
        Assert.Equal(["b2"], (await DequeueNowAsync(maxJobs: 10)).Select(j => j.Key));
        await Backend.FinishAsync(taken[0], JobStatus.Complete, Ct);
        Assert.Equal(["a2"], (await DequeueNowAsync(maxJobs: 10)).Select(j => j.Key));
    }

    [Fact]
    public async Task DequeueAsync_GroupKeyLimitTwoAndFunctionLimit_BothHold()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l =>
        {
            l.Keys = new Limit { Concurrency = 2 };
            l.Functions["work"] = new Limit { Concurrency = 3 };
        });
        for (var i = 0; i < 4; i++)
        {
            await EnqueueLimitedAsync($"a{i}", "work", "a");
        }

        for (var i = 0; i < 4; i++)
        {
            await EnqueueLimitedAsync($"b{i}", "work", "b");
        }

        var taken = await DequeueNowAsync(maxJobs: 10);

        Assert.Equal(["a0", "a1", "b0"], taken.Select(j => j.Key));
    }

    [Fact]
    public async Task DequeueAsync_ThousandJobsOfASaturatedKeyAhead_TakesTheFreeKeysJobInOneCall()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l => l.Keys = new Limit { Concurrency = 1 });
        await EnqueueLimitedAsync("hot-running", "work", "hot");
        await DequeueOneAsync("hot-running");
        for (var i = 0; i < 1000; i++)
        {
            await EnqueueLimitedAsync($"hot{i}", "work", "hot");
        }

        await EnqueueLimitedAsync("cold", "work", "cold");

        Assert.Equal(["cold"], (await DequeueNowAsync(maxJobs: 1)).Select(j => j.Key));
        Assert.Equal(1000, (await Backend.CountAsync(Ct)).Queued);
    }

    [Fact]
    public async Task DequeueAsync_IdleWaiterWithOnlyHeldJobs_IsWokenByTheStoreWhenASlotFrees()
    {
        SkipUnlessLimits();
        Assert.SkipUnless(Backend.Capabilities.HasFlag(BackendCapabilities.BlockingDequeue), "backend polls");
        await SetLimitsAsync(l => l.Functions["report"] = new Limit { Concurrency = 1 });
        await EnqueueLimitedAsync("r0", "report");
        await EnqueueLimitedAsync("r1", "report");
        var running = await DequeueOneAsync("r0");
        Assert.Empty(await DequeueNowAsync(maxJobs: 5));

        // A wait far longer than the signal timeout: only the store's wake-up can end it in time.
        var waiter = Backend.DequeueAsync(new DequeueRequest("w2", 5, TimeSpan.FromMinutes(5)), Ct);
        await Backend.FinishAsync(running, JobStatus.Complete, Ct);

        Assert.Equal(["r1"], (await Within(waiter)).Select(j => j.Key));
    }

    [Fact]
    public async Task DequeueAsync_RatePerSecond_StartsThatManyInEveryPeriodOverTenPeriods()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l => l.Functions["api"] = new Limit { Rate = 3, Period = TimeSpan.FromSeconds(1) });
        for (var i = 0; i < 40; i++)
        {
            await EnqueueLimitedAsync($"c{i}", "api");
        }

        await EnqueueLimitedAsync("free", "other");
        var starts = new List<long>();
        var startMs = NowMs;
        for (var step = 0; step < 100; step++)
        {
            foreach (var job in await DequeueNowAsync(maxJobs: 10))
            {
                if (job.Function == "api")
                {
                    starts.Add(NowMs - startMs);
                }

                await Backend.FinishAsync(job, JobStatus.Complete, Ct);
            }

            Clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        // 10 periods of 1 s: 3 starts in each, and never more than 3 in any span of 1 s.
        Assert.Equal(30, starts.Count);
        for (var i = 3; i < starts.Count; i++)
        {
            Assert.True(starts[i] - starts[i - 3] >= 1000, $"starts {i - 3} and {i} are {starts[i] - starts[i - 3]} ms apart");
        }

        Assert.Equal(JobStatus.Complete, (await StoredAsync("free")).Status);
    }

    [Fact]
    public async Task HoldAsync_GroupKey_DelaysItsJobsWithoutFailingThemAndNotOtherKeys()
    {
        SkipUnlessLimits();
        await Backend.HoldAsync(new LimitTarget(LimitScope.GroupKey, "partner"), TimeSpan.FromSeconds(30), Ct);
        await EnqueueLimitedAsync("p1", "call", "partner");
        await EnqueueLimitedAsync("q1", "call", "other");

        Assert.Equal(["q1"], (await DequeueNowAsync(maxJobs: 10)).Select(j => j.Key));
        Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(await DequeueNowAsync(maxJobs: 10));
        var held = await StoredAsync("p1");
        Assert.Equal((JobStatus.Queued, 0, null), (held.Status, held.Attempts, held.Error));

        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["p1"], (await DequeueNowAsync(maxJobs: 10)).Select(j => j.Key));
    }

    [Fact]
    public async Task HoldAsync_Function_DelaysItsJobs()
    {
        SkipUnlessLimits();
        await Backend.HoldAsync(new LimitTarget(LimitScope.Function, "call"), TimeSpan.FromSeconds(10), Ct);
        await EnqueueLimitedAsync("c1", "call");
        await EnqueueLimitedAsync("m1", "mail");

        Assert.Equal(["m1"], (await DequeueNowAsync(maxJobs: 10)).Select(j => j.Key));
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(["c1"], (await DequeueNowAsync(maxJobs: 10)).Select(j => j.Key));
    }

    [Fact]
    public async Task SweepAsync_LimitedJobOfADeadWorker_FreesItsSlot()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l => l.Functions["report"] = new Limit { Concurrency = 1 });
        var first = await EnqueueLimitedAsync("r0", "report");
        await Backend.EnqueueAsync(NewJob("r1", "report"), Ct);
        await DequeueOneAsync("r0");
        Assert.Empty(await DequeueNowAsync(maxJobs: 5));

        // r0's worker died: its timeout passes and the sweep ends it.
        Clock.Advance(TimeSpan.FromSeconds(first.Timeout + 1));
        var swept = await Backend.SweepAsync(new SweepRequest(LongLock, Grace) { Decide = _ => SweepDecision.End(JobStatus.Failed) }, Ct);
        Assert.Equal(["r0"], swept.Stuck.Select(s => s.Job.Key));

        Assert.Equal(["r1"], (await DequeueNowAsync(maxJobs: 5)).Select(j => j.Key));
    }

    [Fact]
    public async Task AbortAsync_HeldJob_EndsItAndItIsNeverTaken()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l => l.Functions["report"] = new Limit { Concurrency = 1 });
        await EnqueueLimitedAsync("r0", "report");
        var held = await EnqueueLimitedAsync(UniqueKey("r1"), "report");
        var running = await DequeueOneAsync("r0");
        Assert.Empty(await DequeueNowAsync(maxJobs: 5));

        Assert.Equal(AbortResult.Aborted, await Backend.AbortAsync(held, "no longer needed", Ct));
        await Backend.FinishAsync(running, JobStatus.Complete, Ct);

        Assert.Empty(await DequeueNowAsync(maxJobs: 5));
        Assert.Equal(JobStatus.Aborted, (await StoredAsync(held.Key)).Status);
    }

    [Fact]
    public async Task GetLimitStatesAsync_LimitedQueue_ShowsRunningAgainstLimitAndHeld()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l => l.Functions["report"] = new Limit { Concurrency = 2 });
        for (var i = 0; i < 5; i++)
        {
            await EnqueueLimitedAsync($"r{i}", "report");
        }

        await DequeueNowAsync(maxJobs: 10);

        var state = Assert.Single(await Backend.GetLimitStatesAsync(Ct));
        Assert.Equal(new LimitState(new LimitTarget(LimitScope.Function, "report"), 2, 2, 3), state);
    }

    [Fact]
    public async Task SetLimitsAsync_EmptyLimits_ReleasesHeldJobs()
    {
        SkipUnlessLimits();
        await SetLimitsAsync(l => l.Functions["report"] = new Limit { Concurrency = 1 });
        await EnqueueLimitedAsync("r0", "report");
        await EnqueueLimitedAsync("r1", "report");
        await DequeueOneAsync("r0");
        Assert.Empty(await DequeueNowAsync(maxJobs: 5));

        await Backend.SetLimitsAsync(new QueueLimits(), Ct);

        Assert.Equal(["r1"], (await DequeueNowAsync(maxJobs: 5)).Select(j => j.Key));
    }
}
