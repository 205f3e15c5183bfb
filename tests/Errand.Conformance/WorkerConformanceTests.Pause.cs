using System.Text.Json;

namespace Errand.Conformance;

/// <content>Pause and resume: a paused queue's jobs wait, running ones finish, a resume wakes an idle worker at once.</content>
/// <remarks>
/// "Takes nothing" is checked after the worker has read the flag from the store twice more (a <see cref="SignallingBackend"/>
/// counts the reads): the loops consult the flag before every take, and those reads prove they had the time to take.
/// </remarks>
public abstract partial class WorkerConformanceTests
{
    private static WorkerOptions PauseOptions(TimeSpan? check = null)
    {
        var options = FastOptions();
        options.PauseCheckInterval = check ?? TimeSpan.FromMilliseconds(100);
        return options;
    }

    [Fact]
    public async Task RunAsync_QueuePausedBeforeStart_TakesNothingUntilResumed()
    {
        var signalling = new SignallingBackend(Queue.Backend);
        var queue = new Queue(signalling);
        await queue.PauseAsync(TestContext.Current.CancellationToken);
        var (worker, _, _) = StartWorker(queue, Basic(), PauseOptions());

        var job = await queue.EnqueueAsync("add", new { a = 1, b = 2 });
        var reads = signalling.PausedReads;
        await signalling.PausedReadAsync(Math.Max(reads, 1) + 2).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.True(worker.IsPaused);
        Assert.Equal(JobStatus.Queued, (await queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken))!.Status);
        Assert.True((await queue.InfoAsync(0, TestContext.Current.CancellationToken)).Paused);

        await queue.ResumeAsync(TestContext.Current.CancellationToken);
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.False(worker.IsPaused);
    }

    [Fact]
    public async Task RunAsync_PausedWhileAJobRuns_ItFinishesAndLaterJobsWaitForTheResume()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var signalling = new SignallingBackend(Queue.Backend);
        var queue = new Queue(signalling);
        var (worker, _, _) = StartWorker(queue, Basic().Add<JsonElement, string>("long", async (_, _) =>
        {
            started.TrySetResult();
            await release.Task;
            return "done";
        }), PauseOptions());
        var first = await queue.EnqueueAsync("long");
        await started.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);

        // Heard after the worker's own watch (added before its first read): once this fires, the worker has heard it too.
        await signalling.PausedReadAsync(1).WaitAsync(Patience, TestContext.Current.CancellationToken);
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await signalling.WatchPausedAsync(paused => { if (paused) { heard.TrySetResult(); } }, TestContext.Current.CancellationToken))
        {
            await queue.PauseAsync(TestContext.Current.CancellationToken);
            await heard.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        }

        // A take that was waiting when the pause came is cancelled; a job it moved in that instant would still run.
        Assert.True(worker.IsPaused);
        await signalling.DequeuesIdleAsync().WaitAsync(Patience, TestContext.Current.CancellationToken);
        var second = await queue.EnqueueAsync("add", new { a = 2, b = 3 });
        release.SetResult();
        Assert.Equal(JobStatus.Complete, (await WaitFinishedAsync(first.Key)).Status);
        var reads = signalling.PausedReads;
        await signalling.PausedReadAsync(reads + 2).WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(JobStatus.Queued, (await queue.GetJobAsync(second.Key, TestContext.Current.CancellationToken))!.Status);

        await queue.ResumeAsync(TestContext.Current.CancellationToken);

        Assert.Equal(5, (await WaitFinishedAsync(second.Key)).Result!.Value.GetInt32());
    }

    [Fact]
    public async Task RunAsync_PauseNotificationLost_WorkerReadsTheFlagAtItsNextCheck()
    {
        var signalling = new SignallingBackend(Queue.Backend) { MuteNotifications = true };
        var queue = new Queue(signalling);
        var (worker, _, _) = StartWorker(queue, Basic(), PauseOptions());
        await signalling.PausedReadAsync(1).WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.False(worker.IsPaused);

        await queue.PauseAsync(TestContext.Current.CancellationToken);
        var reads = signalling.PausedReads;
        await signalling.PausedReadAsync(reads + 2).WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.True(worker.IsPaused);
        await signalling.DequeuesIdleAsync().WaitAsync(Patience, TestContext.Current.CancellationToken);
        var job = await queue.EnqueueAsync("add", new { a = 4, b = 4 });
        reads = signalling.PausedReads;
        await signalling.PausedReadAsync(reads + 2).WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(JobStatus.Queued, (await queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken))!.Status);

        await queue.ResumeAsync(TestContext.Current.CancellationToken);

        Assert.Equal(8, (await WaitFinishedAsync(job.Key)).Result!.Value.GetInt32());
    }

    [Fact]
    public async Task RunAsync_ResumeNotified_IdleWorkerTakesAtOnceWithoutItsCheck()
    {
        await Queue.PauseAsync(TestContext.Current.CancellationToken);

        // The check would come after the test's patience: only the notification can wake the worker in time.
        var (worker, _, _) = StartWorker(Basic(), PauseOptions(TimeSpan.FromHours(1)));
        var job = await Queue.EnqueueAsync("add", new { a = 20, b = 1 });

        await Queue.ResumeAsync(TestContext.Current.CancellationToken);

        Assert.Equal(21, (await WaitFinishedAsync(job.Key)).Result!.Value.GetInt32());
        Assert.False(worker.IsPaused);
    }

    [Fact]
    public async Task RunAsync_BurstOnAPausedQueue_EndsAndLeavesTheJobsQueued()
    {
        await Queue.PauseAsync(TestContext.Current.CancellationToken);
        var job = await Queue.EnqueueAsync("add", new { a = 1, b = 1 });
        var options = PauseOptions();
        options.Burst = true;

        var (_, _, run) = StartWorker(Basic(), options);
        await run.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(JobStatus.Queued, (await Queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task RunAsync_QueuePaused_CronAndScheduledJobsStillBecomeReadyAndWait()
    {
        await Queue.PauseAsync(TestContext.Current.CancellationToken);
        var job = await Queue.EnqueueAsync("add", new { a = 3, b = 3 }, new JobOptions { Delay = TimeSpan.FromMilliseconds(200) });
        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.True((await Queue.CountAsync(TestContext.Current.CancellationToken)).Scheduled >= 1);
        StartWorker(Basic(), PauseOptions());

        // The schedule timer moves it to the ready list (its score drops to 0) while the worker takes nothing; no
        // notification tells of that move, so the count is looked at.
        var deadline = TimeProvider.System.GetUtcNow() + Patience;
        while ((await Queue.CountAsync(TestContext.Current.CancellationToken)).Scheduled > 0)
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "the scheduled job never became ready");
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, TestContext.Current.CancellationToken);
        }

        Assert.Equal(JobStatus.Queued, (await Queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken))!.Status);
        await Queue.ResumeAsync(TestContext.Current.CancellationToken);
        Assert.Equal(JobStatus.Complete, (await WaitFinishedAsync(job.Key)).Status);
    }
}
