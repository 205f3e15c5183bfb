using System.Collections.Concurrent;

namespace Errand.Conformance;

/// <content>State changes raced against their concurrent twins, on the real engine, many times.</content>
public abstract partial class WorkerConformanceTests
{
    [Fact]
    public async Task AbortAsync_RacedAgainstTheJobFinishing_EveryJobEndsCompleteOrAborted()
    {
        // Jobs of 1-3 ms, each aborted 0-3 ms after it started, as an operator clicking abort might: whichever wins,
        // the job ends finished (complete or aborted), in no list; none is left aborting for ever.
        const int Jobs = 300;
        var started = new ConcurrentDictionary<string, TaskCompletionSource>(StringComparer.Ordinal);
        var functions = new JobFunctions().Add("short", async context =>
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 4)), TimeProvider.System, context.CancellationToken));
        StartWorker(functions, FastOptions(concurrency: 8), worker => worker.Hooks.BeforeProcess.Add(context =>
        {
            started.GetOrAdd(context.Job.Key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return Task.CompletedTask;
        }));

        var keys = Enumerable.Range(0, Jobs).Select(i => $"race-{i}").ToList();
        var races = keys.Select(async key =>
        {
            var signal = started.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
            await Queue.EnqueueAsync("short", null, new JobOptions { Key = key }, TestContext.Current.CancellationToken);
            await signal.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 4)), TimeProvider.System, TestContext.Current.CancellationToken);
            await Queue.AbortAsync(key, "operator", TestContext.Current.CancellationToken);
        });
        await Task.WhenAll(races);

        var ended = await Task.WhenAll(keys.Select(async key =>
        {
            try
            {
                return await Queue.WaitAsync(key, TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
            }
            catch (JobWaitTimeoutException)
            {
                return await Queue.GetJobAsync(key, TestContext.Current.CancellationToken);
            }
        }));

        var stuck = ended.Where(job => job is null || job.Status is not (JobStatus.Complete or JobStatus.Aborted)).ToList();
        Assert.True(stuck.Count == 0, $"{stuck.Count} of {Jobs} jobs did not end: {string.Join(", ", stuck.Take(5).Select(j => j is null ? "missing" : $"{j.Key} {j.Status.ToWire()}"))}");
        var counts = await Queue.CountAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, counts.Active);
        Assert.Equal(0, counts.Incomplete);
    }

    [Fact]
    public async Task Sweep_JobThatStopsHeartbeatingOnALiveWorker_OldCopyIsCancelledAndTheNewAttemptCompletes()
    {
        var firstCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var functions = new JobFunctions().Add<string>("beat", async context =>
        {
            if (context.Job.Attempts == 1)
            {
                // Never beats, and runs on until its token fires (or, were it never to fire, ends late: a stale finish).
                try
                {
                    await Task.Delay(Patience, TimeProvider.System, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    firstCancelled.TrySetResult();
                    throw;
                }

                return "late first attempt";
            }

            return "second attempt";
        });
        StartWorker(functions);

        var job = await Queue.EnqueueAsync("beat", null, new JobOptions { Heartbeat = TimeSpan.FromSeconds(1), Timeout = TimeSpan.Zero, Retries = 2 }, TestContext.Current.CancellationToken);
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Complete, done.Status);
        await firstCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken); // the old copy's token fired
        var stored = await Queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken);
        Assert.Equal("second attempt", stored!.Result!.Value.GetString());
        Assert.Equal(2, done.Attempts);
        Assert.Equal("second attempt", done.Result!.Value.GetString());
        var counts = await Queue.CountAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, counts.Active);
        Assert.Equal(0, counts.Incomplete);
    }

    [Fact]
    public async Task RunAsync_JobRetriedAtOnceAndTakenBeforeItsLastAttemptsCleanup_StillReachedByAbort()
    {
        // The first attempt fails and is retried with no delay; its cleanup waits until the second attempt runs. The
        // second attempt must still be tracked: an abort stops it.
        var secondRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var functions = new JobFunctions().Add("twice", async context =>
        {
            if (context.Job.Attempts == 1)
            {
                throw new InvalidOperationException("first attempt fails");
            }

            secondRunning.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, context.CancellationToken);
        });
        StartWorker(functions, configure: worker => worker.Hooks.AfterProcess.Add(async (context, _) =>
        {
            if (context.Job.Attempts == 1)
            {
                await secondRunning.Task.WaitAsync(Patience);
            }
        }));

        var job = await Queue.EnqueueAsync("twice", null, new JobOptions { Retries = 2, Timeout = TimeSpan.Zero }, TestContext.Current.CancellationToken);
        await secondRunning.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await Queue.AbortAsync(job.Key, "stop it", TestContext.Current.CancellationToken);
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Aborted, done.Status);
        Assert.Equal(2, done.Attempts);
    }

    [Fact]
    public async Task Sweep_LiveWorkerWithAColonInItsId_LeavesItsJobWithoutTimeoutAlone()
    {
        // Past the suspect grace (the worker info's ttl, 1.3 s here) several sweep rounds see the job; none takes it.
        var functions = new JobFunctions().Add<int>("long", async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3), TimeProvider.System, context.CancellationToken);
            return context.Job.Attempts;
        });
        var options = FastOptions();
        options.WorkerId = $"host:{Guid.NewGuid():N}";
        StartWorker(functions, options);

        var job = await Queue.EnqueueAsync("long", null, new JobOptions { Timeout = TimeSpan.Zero }, TestContext.Current.CancellationToken);
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(1, done.Attempts);
        Assert.Equal(options.WorkerId, done.WorkerId);
    }
}
