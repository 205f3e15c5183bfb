using System.Collections.Concurrent;
using System.Text.Json;
using Errand.Backends;
using Errand.Cron;

namespace Errand.Conformance;

/// <content>Shutdown, hooks, burst mode, cron, concurrency, sweeping and worker info.</content>
public abstract partial class WorkerConformanceTests
{
    [Fact]
    public async Task RunAsync_ShutdownPastTheGracePeriod_JobIsRetriedAsCancelledNotFailed()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = FastOptions();
        options.ShutdownGracePeriod = TimeSpan.FromMilliseconds(200);
        var (worker, stop, run) = StartWorker(new JobFunctions().Add<JsonElement>("long", async (_, context) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
        }), options);

        var job = await Queue.EnqueueAsync("long", options: new JobOptions { Timeout = TimeSpan.Zero });
        await started.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await run.WaitAsync(Patience, TestContext.Current.CancellationToken);
        var stored = await Queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken);

        Assert.Equal(JobStatus.Queued, stored!.Status);
        Assert.Equal("cancelled", stored.Error);
        Assert.Equal(1, stored.Attempts);
        Assert.Equal(0, worker.Stats.Failed);
        Assert.Equal(1, (await Queue.CountAsync(TestContext.Current.CancellationToken)).Queued);
    }

    [Fact]
    public async Task RunAsync_ShutdownWithinTheGracePeriod_RunningJobCompletes()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (_, stop, run) = StartWorker(new JobFunctions().Add<JsonElement, string>("short", async (_, _) =>
        {
            started.SetResult();
            await release.Task;
            return "finished";
        }));

        var job = await Queue.EnqueueAsync("short");
        await started.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        release.SetResult();
        await run.WaitAsync(Patience, TestContext.Current.CancellationToken);
        var stored = await Queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken);

        Assert.Equal(JobStatus.Complete, stored!.Status);
        Assert.Equal("finished", stored.Result!.Value.GetString());
    }

    [Fact]
    public async Task RunAsync_Hooks_RunInOrderAndAfterProcessSeesTheException()
    {
        var events = new List<string>();
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (_, stop, run) = StartWorker(
            Basic().Add<JsonElement>("boom", (_, _) => throw new InvalidOperationException("boom")),
            configure: w =>
            {
                w.Hooks.Startup.Add((_, _) => Record("startup"));
                w.Hooks.BeforeProcess.Add(c => Record($"before {c.Job.Function}"));
                w.Hooks.AfterProcess.Add((c, ex) => Record($"after {c.Job.Function} {ex?.GetType().Name ?? "ok"}"));
                w.Hooks.Shutdown.Add((_, _) => Record("shutdown"));
            });

        await WaitFinishedAsync((await Queue.EnqueueAsync("add", new { a = 1, b = 1 })).Key);
        await WaitFinishedAsync((await Queue.EnqueueAsync("boom")).Key);
        await stop.CancelAsync();
        await run.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(["startup", "before add", "after add ok", "before boom", "after boom InvalidOperationException", "shutdown"], events);

        Task Record(string e)
        {
            lock (events)
            {
                events.Add(e);
            }

            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task RunAsync_BurstMode_StopsWhenTheQueueIsDrained()
    {
        var keys = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            keys.Add((await Queue.EnqueueAsync("add", new { a = i, b = i })).Key);
        }

        var options = FastOptions();
        options.Burst = true;
        using var worker = new Worker(Queue, Basic(), options);
        await worker.RunAsync(TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);

        var jobs = await Queue.GetJobsAsync(keys, TestContext.Current.CancellationToken);
        Assert.All(jobs, j => Assert.Equal(JobStatus.Complete, j!.Status));
        Assert.Equal(5, worker.Stats.Complete);
    }

    [Fact]
    public async Task RunAsync_BurstWhileALongJobRuns_TakesWhatAnEndedJobEnqueued()
    {
        // Taken together, with a slot to spare, so the worker finds the queue empty and waits for a job to end:
        // "spawn" enqueues a follow-up a moment later and ends; "long" waits for the follow-up to have run.
        var followUpRan = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var functions = new JobFunctions()
            .Add("spawn", async context =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300), context.CancellationToken);
                await Queue.EnqueueAsync("follow-up", cancellationToken: context.CancellationToken);
            })
            .Add("follow-up", _ =>
            {
                followUpRan.TrySetResult();
                return Task.CompletedTask;
            })
            .Add<JsonElement, bool>("long", async (_, context) =>
            {
                await followUpRan.Task.WaitAsync(TimeSpan.FromSeconds(5), context.CancellationToken);
                return true;
            });
        var ct = TestContext.Current.CancellationToken;
        var spawn = await Queue.EnqueueAsync("spawn", cancellationToken: ct);
        var longJob = await Queue.EnqueueAsync("long", cancellationToken: ct);

        var options = FastOptions(concurrency: 3);
        options.Burst = true;
        using var worker = new Worker(Queue, functions, options);
        await worker.RunAsync(ct).WaitAsync(Patience, ct);

        Assert.Equal(JobStatus.Complete, (await Queue.GetJobAsync(spawn.Key, ct))!.Status);
        Assert.Equal(JobStatus.Complete, (await Queue.GetJobAsync(longJob.Key, ct))!.Status);
        Assert.Equal(3, worker.Stats.Complete);
    }

    [Fact]
    public async Task RunAsync_BurstWithMaxJobs_TakesThatManyAndLeavesTheRest()
    {
        for (var i = 0; i < 5; i++)
        {
            await Queue.EnqueueAsync("add", new { a = i, b = i });
        }

        var options = FastOptions(concurrency: 4);
        options.Burst = true;
        options.MaxBurstJobs = 2;
        using var worker = new Worker(Queue, Basic(), options);
        await worker.RunAsync(TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(2, worker.Stats.Complete);
        Assert.Equal(3, (await Queue.CountAsync(TestContext.Current.CancellationToken)).Queued);
    }

    [Fact]
    public async Task RunAsync_Concurrency_NeverRunsMoreJobsAtOnce()
    {
        var current = 0;
        var peak = 0;
        var options = FastOptions(concurrency: 2);
        StartWorker(new JobFunctions().Add<JsonElement>("busy", async (_, context) =>
        {
            var now = Interlocked.Increment(ref current);
            InterlockedMax(ref peak, now);
            await Task.Delay(TimeSpan.FromMilliseconds(100), context.CancellationToken);
            Interlocked.Decrement(ref current);
        }), options);

        var jobs = await Queue.MapAsync<JsonElement>("busy", Enumerable.Range(0, 6).Select(_ => (object?)null), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(6, jobs.Count);
        Assert.Equal(2, peak);
    }

    [Fact]
    public async Task RunAsync_SynchronousFunctionsTakenInOneBatch_RunSideBySide()
    {
        // Each function blocks its thread until the other two have started: started one after the other on one thread,
        // or with one helper beside it, they would never all meet.
        // Each also records the async-local state it runs in: the app's (a logging scope, an activity) reaches every
        // job, whichever thread started it.
        using var all = new Barrier(3);
        var ambient = new AsyncLocal<string> { Value = "set by the app" };
        var seen = new ConcurrentQueue<string?>();
        var functions = new JobFunctions().Add<JsonElement>("blocking", (_, _) =>
        {
            seen.Enqueue(ambient.Value);
            return all.SignalAndWait(TimeSpan.FromSeconds(10)) ? Task.CompletedTask : throw new InvalidOperationException("ran without the others");
        });
        var ct = TestContext.Current.CancellationToken;
        var jobs = new List<Job>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await Queue.EnqueueAsync("blocking", cancellationToken: ct));
        }

        // All queued before the worker starts, and concurrency 3 is one dequeue loop: one take brings the three.
        StartWorker(functions, FastOptions(concurrency: 3));

        foreach (var job in jobs)
        {
            Assert.Equal(JobStatus.Complete, (await WaitFinishedAsync(job.Key)).Status);
        }

        Assert.Equal(["set by the app", "set by the app", "set by the app"], seen);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [Fact]
    public async Task RunAsync_CronEverySecond_EnqueuesUniqueJobsThatRun()
    {
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        var options = FastOptions();
        options.CronJobs.Add(new CronJob("tick", "* * * * * *") { Kwargs = new { n = 1 } });
        StartWorker(new JobFunctions().Add<JsonElement>("tick", (_, _) =>
        {
            if (Interlocked.Increment(ref count) == 2)
            {
                ran.SetResult();
            }

            return Task.CompletedTask;
        }), options);

        await ran.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        var stored = await Queue.GetJobAsync("cron:tick", TestContext.Current.CancellationToken);

        Assert.NotNull(stored);
        Assert.Equal("tick", stored.Function);
    }

    [Fact]
    public void Constructor_CronOfUnregisteredFunction_Throws()
    {
        var options = FastOptions();
        options.CronJobs.Add(new CronJob("missing", "*/5 * * * *"));

        var ex = Assert.Throws<ArgumentException>(() => new Worker(Queue, Basic(), options));

        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sweep_JobOfADeadWorkerPastItsTimeout_IsRetriedAndCompletedByALiveOne()
    {
        var job = await Queue.EnqueueAsync("add", new { a = 3, b = 4 }, new JobOptions { Timeout = TimeSpan.FromSeconds(1), Retries = 2 });
        var taken = await Queue.Backend.DequeueAsync(new DequeueRequest("dead-worker", 1, TimeSpan.Zero), TestContext.Current.CancellationToken);
        Assert.Single(taken);

        StartWorker(Basic());
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(7, done.Result!.Value.GetInt32());
        Assert.Equal(2, done.Attempts);
    }

    [Fact]
    public async Task Sweep_JobWithoutTimeoutOrHeartbeatOfAWorkerGone_IsRecovered()
    {
        var job = await Queue.EnqueueAsync("add", new { a = 1, b = 2 }, new JobOptions { Timeout = TimeSpan.Zero, Retries = 2 });
        var taken = await Queue.Backend.DequeueAsync(new DequeueRequest("vanished-worker", 1, TimeSpan.Zero), TestContext.Current.CancellationToken);
        Assert.Single(taken);

        StartWorker(Basic());
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(2, done.Attempts);
    }

    [Fact]
    public async Task Sweep_JobOfALiveWorkerWithoutTimeout_IsLeftAlone()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (worker, _, _) = StartWorker(new JobFunctions().Add<JsonElement>("patient", async (_, _) =>
        {
            started.SetResult();
            await release.Task;
        }));

        var job = await Queue.EnqueueAsync("patient", options: new JobOptions { Timeout = TimeSpan.Zero });
        await started.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        var sweeps = 0;
        while (sweeps < 3)
        {
            // Several sweep rounds of our own, past the suspect grace of the worker-info TTL.
            await Task.Delay(TimeSpan.FromMilliseconds(700), TestContext.Current.CancellationToken);
            await worker.SweepAsync(TestContext.Current.CancellationToken);
            sweeps++;
        }

        var stored = await Queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken);
        release.SetResult();
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Active, stored!.Status);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(JobStatus.Complete, done.Status);
    }

    [Fact]
    public async Task RunAsync_WorkerInfo_ListedWhileRunningAndRemovedAfterStop()
    {
        var options = FastOptions();
        options.Metadata["role"] = "test";
        var (worker, stop, run) = StartWorker(Basic(), options);
        await WaitFinishedAsync((await Queue.EnqueueAsync("add", new { a = 1, b = 1 })).Key);

        WorkerInfo? info = null;
        for (var i = 0; i < 50 && info?.Stats.Complete != 1; i++)
        {
            // Worker info is written on a timer; read until the write after the job has landed.
            info = (await Queue.Backend.GetWorkersAsync(TestContext.Current.CancellationToken)).SingleOrDefault(w => w.WorkerId == worker.Id);
            await Task.Delay(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken);
        }

        await stop.CancelAsync();
        await run.WaitAsync(Patience, TestContext.Current.CancellationToken);
        var after = await Queue.Backend.GetWorkersAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(info);
        Assert.Equal(1, info.Stats.Complete);
        Assert.Equal(Queue.Name, info.Queue);
        Assert.Equal("test", info.Metadata!.Value.GetProperty("role").GetString());
        Assert.DoesNotContain(after, w => w.WorkerId == worker.Id);
    }

    [Fact]
    public async Task JobContext_UpdateAsync_StoresProgressAndMeta()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        StartWorker(new JobFunctions().Add<JsonElement>("report", async (_, context) =>
        {
            await context.UpdateAsync(0.5, new Dictionary<string, object?> { ["stage"] = "halfway" });
            await release.Task;
        }));

        var job = await Queue.EnqueueAsync("report");
        Job? seen = null;
        await using (var subscription = await Queue.Backend.SubscribeAsync([job.Key], TestContext.Current.CancellationToken))
        {
            while (seen?.Progress != 0.5)
            {
                seen = await Queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken);
                if (seen?.Progress != 0.5)
                {
                    await subscription.Changes.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);
                }
            }
        }

        release.SetResult();

        Assert.Equal("halfway", seen.Meta["stage"].GetString());
        Assert.True(seen.Touched >= seen.Started);
    }
}
