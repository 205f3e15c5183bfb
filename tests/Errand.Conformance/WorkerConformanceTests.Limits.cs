using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Errand.Backends;

namespace Errand.Conformance;

/// <content>Limits with real workers: the store's limits hold across several workers, and a handler's hold delays its key.</content>
public abstract partial class WorkerConformanceTests
{
    private void SkipUnlessLimits() =>
        Assert.SkipUnless(Queue.Backend.Capabilities.HasFlag(BackendCapabilities.Limits), "the backend does not enforce limits");

    [Fact]
    public async Task RunAsync_ThreeWorkersWithFunctionAndKeyLimits_NeverRunMoreThanTheLimits()
    {
        SkipUnlessLimits();
        var limits = new QueueLimits { Keys = new Limit { Concurrency = 1 } };
        limits.Functions["report"] = new Limit { Concurrency = 2 };
        await Queue.Backend.SetLimitsAsync(limits, TestContext.Current.CancellationToken);
        var running = 0;
        var maxRunning = 0;
        var byKey = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var maxByKey = 0;
        var functions = new JobFunctions()
            .Add<JsonElement>("report", async (_, context) =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref maxRunning, now);
                await Task.Delay(TimeSpan.FromMilliseconds(15), TimeProvider.System, context.CancellationToken);
                Interlocked.Decrement(ref running);
            })
            .Add<JsonElement>("per_key", async (_, context) =>
            {
                var now = byKey.AddOrUpdate(context.Job.GroupKey!, 1, (_, n) => n + 1);
                InterlockedMax(ref maxByKey, now);
                await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, context.CancellationToken);
                byKey.AddOrUpdate(context.Job.GroupKey!, 0, (_, n) => n - 1);
            });
        for (var i = 0; i < 3; i++)
        {
            StartWorker(functions, FastOptions(concurrency: 8));
        }

        var jobs = new List<Job>();
        for (var i = 0; i < 20; i++)
        {
            jobs.Add(await Queue.EnqueueAsync("report"));
            jobs.Add(await Queue.EnqueueAsync("per_key", options: new JobOptions { GroupKey = $"customer-{i % 4}" }));
        }

        foreach (var job in jobs)
        {
            Assert.Equal(JobStatus.Complete, (await WaitFinishedAsync(job.Key)).Status);
        }

        Assert.InRange(maxRunning, 1, 2);
        Assert.Equal(1, maxByKey);
        Assert.All(await Queue.Backend.GetLimitStatesAsync(TestContext.Current.CancellationToken), s => Assert.Equal((0, 0), (s.Running, s.Held)));
    }

    [Fact]
    public async Task HoldKeyAsync_HandlerHoldsItsKey_TheKeysNextJobWaitsAndOtherKeysDoNot()
    {
        SkipUnlessLimits();
        var hold = TimeSpan.FromMilliseconds(700);
        var clock = Stopwatch.StartNew();
        var started = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var functions = new JobFunctions().Add<JsonElement>("call", async (_, context) =>
        {
            started[context.Job.Key] = clock.Elapsed;
            if (context.Job.Key == "first")
            {
                await context.HoldKeyAsync(hold);
            }
        });
        StartWorker(functions);

        var first = await Queue.EnqueueAsync("call", options: new JobOptions { Key = "first", GroupKey = "partner" });
        Assert.Equal(JobStatus.Complete, (await WaitFinishedAsync(first.Key)).Status);
        var heldBack = await Queue.EnqueueAsync("call", options: new JobOptions { GroupKey = "partner" });
        var other = await Queue.EnqueueAsync("call", options: new JobOptions { GroupKey = "someone-else" });
        Assert.Equal(JobStatus.Complete, (await WaitFinishedAsync(other.Key)).Status);
        Assert.Equal(JobStatus.Complete, (await WaitFinishedAsync(heldBack.Key)).Status);

        Assert.True(started[heldBack.Key] - started["first"] >= hold, $"the held key's job started {started[heldBack.Key] - started["first"]} after the hold");
        Assert.True(started[other.Key] < started[heldBack.Key], "the other key's job waited for the held key");
    }
}
