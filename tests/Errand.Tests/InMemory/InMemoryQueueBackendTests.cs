using Errand.Backends;
using Errand.Conformance;
using Errand.InMemory;

namespace Errand.Tests.InMemory;

public sealed class InMemoryQueueBackendTests : QueueBackendConformanceTests
{
    private InMemoryQueueBackend Memory => (InMemoryQueueBackend)Backend;

    protected override Task<IQueueBackend> CreateBackendAsync(string queueName, TimeProvider clock) =>
        Task.FromResult<IQueueBackend>(new InMemoryQueueBackend(queueName, clock));

    protected override Task<bool> DeleteJobDocumentAsync(string key) => Task.FromResult(Memory.DeleteDocument(key));

    protected override Task<bool> CorruptJobDocumentAsync(string key) => Task.FromResult(Memory.ReplaceDocument(key, "not json {"u8.ToArray()));

    // Every expiry here runs on the fake clock: no real waiting.
    protected override Task LetShortLocksExpireAsync()
    {
        Clock.Advance(ShortLock);
        return Task.CompletedTask;
    }

    [Fact]
    public void Capabilities_InMemory_BlocksAndLimitsButIsNeitherDurableNorCrossProcess()
    {
        Assert.Equal(BackendCapabilities.BlockingDequeue | BackendCapabilities.Limits, Backend.Capabilities);
    }

    [Fact]
    public async Task FinishAsync_PositiveTtlThenClockPassesIt_TheJobIsGone()
    {
        await EnqueueNewAsync("short", j => j.Ttl = 30);
        var job = await DequeueOneAsync("short");
        await Backend.FinishAsync(job, JobStatus.Complete, Ct);

        Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.NotNull(await Backend.GetJobAsync("short", Ct));
        Clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Null(await Backend.GetJobAsync("short", Ct));
        Assert.Equal(0, (await Backend.ListJobsAsync(new JobQuery(), Ct)).Total);
    }

    [Fact]
    public async Task ScheduleAsync_AfterFinishedJobsTtl_DropsThemEvenIfNobodyReadsThem()
    {
        for (var i = 0; i < 3; i++)
        {
            await EnqueueNewAsync($"f{i}", j => j.Ttl = 10);
            await Backend.FinishAsync(await DequeueOneAsync($"f{i}"), JobStatus.Complete, Ct);
        }

        await EnqueueNewAsync("kept", j => j.Ttl = 10);
        Clock.Advance(TimeSpan.FromSeconds(11));

        await Backend.ScheduleAsync(ShortLock, Ct);

        Assert.Equal(1, Memory.DocumentCount);
    }

    [Fact]
    public async Task EnqueueAsync_AbortMarkerOlderThanFiveSeconds_IsAccepted()
    {
        await EnqueueNewAsync("m");
        var job = await DequeueOneAsync("m");
        Assert.Equal(AbortResult.Aborting, await Backend.AbortAsync(job, "stop", Ct));
        Assert.False((await Backend.EnqueueAsync(NewJob("m"), Ct)).Enqueued);

        Clock.Advance(TimeSpan.FromSeconds(6));

        Assert.True((await Backend.EnqueueAsync(NewJob("m"), Ct)).Enqueued);
    }

    [Fact]
    public async Task GetWorkersAsync_TtlPassed_TheWorkerIsGoneAndItsJobsAreSuspects()
    {
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("w"), TimeSpan.FromSeconds(11), Ct);
        await EnqueueNewAsync("long", j => j.Timeout = 0);
        await DequeueOneAsync("long", "w");
        Clock.Advance(TimeSpan.FromSeconds(12));

        Assert.Empty(await Backend.GetWorkersAsync(Ct));
        Assert.Empty((await Backend.SweepAsync(new SweepRequest(ShortLock, TimeSpan.FromSeconds(5)), Ct)).Stuck);
        Clock.Advance(TimeSpan.FromSeconds(6));
        var swept = Assert.Single((await Backend.SweepAsync(new SweepRequest(ShortLock, TimeSpan.FromSeconds(5)), Ct)).Stuck);
        Assert.Equal(SweepReason.WorkerGone, swept.Reason);
    }

    [Fact]
    public async Task GetWorkersAsync_WrittenWorker_HasLastSeenAtTheWriteTime()
    {
        var written = Clock.GetUtcNow();
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("w"), TimeSpan.FromSeconds(60), Ct);
        Clock.Advance(TimeSpan.FromSeconds(3));

        var worker = Assert.Single(await Backend.GetWorkersAsync(Ct));

        Assert.Equal(written.ToUnixTimeMilliseconds(), worker.LastSeen!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task DequeueAsync_WaitPassesOnTheClock_ReturnsEmpty()
    {
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.FromSeconds(5)), Ct);
        Assert.False(waiting.IsCompleted);

        Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Empty(await Within(waiting));
    }

    [Fact]
    public async Task DequeueAsync_CancelledWhileWaiting_ThrowsOperationCanceled()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 1, Timeout.InfiniteTimeSpan), cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(waiting));
    }

    [Fact]
    public async Task DisposeAsync_WhileAWorkerWaits_WakesItWithNothing()
    {
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 1, Timeout.InfiniteTimeSpan), Ct);

        await Backend.DisposeAsync();

        Assert.Empty(await Within(waiting));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task DisposeAsync_OpenSubscription_CompletesItsChannel()
    {
        var subscription = await Backend.SubscribeAsync(null, Ct);

        await Backend.DisposeAsync();

        await Within(subscription.Changes.Completion);
    }

    [Fact]
    public async Task SubscribeAsync_Disposed_ReceivesNothingMore()
    {
        var subscription = await Backend.SubscribeAsync(null, Ct);
        await subscription.DisposeAsync();

        await EnqueueNewAsync("after");

        Assert.False(subscription.Changes.TryRead(out _));
    }

    [Fact]
    public async Task EnqueueAsync_JobOfAnotherQueue_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Backend.EnqueueAsync(new Job("work", "elsewhere"), Ct));
    }

    [Fact]
    public async Task DequeueAsync_ReturnedJobChangedByTheCaller_StoredJobIsUnchanged()
    {
        await EnqueueNewAsync("iso");
        var job = await DequeueOneAsync("iso");

        job.Progress = 0.7;
        job.Meta["x"] = Json("1");

        var stored = await StoredAsync("iso");
        Assert.Equal(0.0, stored.Progress);
        Assert.Empty(stored.Meta);
    }
}
