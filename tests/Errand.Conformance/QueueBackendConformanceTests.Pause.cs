using Errand.Backends;

namespace Errand.Conformance;

/// <content>The paused flag: stored, read, heard, kept apart per queue, and no obstacle to enqueues.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task IsPausedAsync_NewQueue_IsFalse()
    {
        Assert.False(await Backend.IsPausedAsync(Ct));
    }

    [Fact]
    public async Task SetPausedAsync_PauseThenResume_IsPausedFollowsAndRepeatsAreHarmless()
    {
        await Backend.SetPausedAsync(true, Ct);
        await Backend.SetPausedAsync(true, Ct);
        Assert.True(await Backend.IsPausedAsync(Ct));

        await Backend.SetPausedAsync(false, Ct);
        await Backend.SetPausedAsync(false, Ct);
        Assert.False(await Backend.IsPausedAsync(Ct));
    }

    [Fact]
    public async Task EnqueueAsync_QueuePaused_StoresTheJobAndTheStoreStillHandsItOut()
    {
        await Backend.SetPausedAsync(true, Ct);

        var job = await EnqueueNewAsync("while-paused");

        Assert.Equal(JobStatus.Queued, (await Backend.GetJobAsync(job.Key, Ct))!.Status);
        Assert.Equal(1, (await Backend.CountAsync(Ct)).Queued);

        // The flag is the workers' to honour: a client that does not know it (a Python SAQ worker) still takes jobs.
        Assert.Equal("while-paused", Assert.Single(await DequeueNowAsync()).Key);
    }

    [Fact]
    public async Task SetPausedAsync_OneQueue_LeavesAnotherQueueRunning()
    {
        await using var other = await CreateBackendAsync(NewQueueName(), Clock);

        await Backend.SetPausedAsync(true, Ct);

        Assert.True(await Backend.IsPausedAsync(Ct));
        Assert.False(await other.IsPausedAsync(Ct));
    }

    [Fact]
    public async Task WatchPausedAsync_PauseThenResume_HearsBothInOrder()
    {
        var heard = new List<bool>();
        var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watch = await Backend.WatchPausedAsync(
            paused =>
            {
                lock (heard)
                {
                    heard.Add(paused);
                }

                if (!paused)
                {
                    resumed.TrySetResult();
                }
            },
            Ct);

        await Backend.SetPausedAsync(true, Ct);
        await Backend.SetPausedAsync(false, Ct);
        await Within(resumed.Task);

        lock (heard)
        {
            // An engine that may deliver a message twice (NotificationsMayRepeat) still keeps their order.
            var distinct = NotificationsMayRepeat ? heard.Where((paused, i) => i == 0 || heard[i - 1] != paused).ToList() : heard;
            Assert.Equal([true, false], distinct);
        }
    }

    [Fact]
    public async Task WatchPausedAsync_Disposed_HearsNothingMore()
    {
        var calls = 0;
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watch = await Backend.WatchPausedAsync(_ => Interlocked.Increment(ref calls), Ct);
        await using var second = await Backend.WatchPausedAsync(paused => later.TrySetResult(), Ct);
        await watch.DisposeAsync();

        await Backend.SetPausedAsync(true, Ct);
        await Within(later.Task);

        // The second watch heard the pause; the first, disposed before it, did not.
        Assert.Equal(0, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task IsPausedAsync_NewBackendInstance_SeesTheStoredFlag()
    {
        Assert.SkipUnless(Backend.Capabilities.HasFlag(BackendCapabilities.Durable), "the backend keeps nothing beyond its instance");
        await Backend.SetPausedAsync(true, Ct);

        await using (var reopened = await CreateBackendAsync(QueueName, Clock))
        {
            Assert.True(await reopened.IsPausedAsync(Ct));
            await reopened.SetPausedAsync(false, Ct);
        }

        Assert.False(await Backend.IsPausedAsync(Ct));
    }

    [Fact]
    public async Task WatchPausedAsync_ChangeFromAnotherInstance_IsHeard()
    {
        Assert.SkipUnless(Backend.Capabilities.HasFlag(BackendCapabilities.CrossProcessNotifications), "changes are heard in-process only");
        await using var other = await CreateBackendAsync(QueueName, Clock);
        var paused = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watch = await Backend.WatchPausedAsync(
            state =>
            {
                if (state)
                {
                    paused.TrySetResult(true);
                }
                else if (paused.Task.IsCompleted)
                {
                    resumed.TrySetResult();
                }
            },
            Ct);

        await other.SetPausedAsync(true, Ct);
        await Within(paused.Task);
        await other.SetPausedAsync(false, Ct);
        await Within(resumed.Task);
    }
}
