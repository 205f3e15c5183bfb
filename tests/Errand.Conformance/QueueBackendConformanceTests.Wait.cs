namespace Errand.Conformance;

/// <content>Waits that always end: a lost notification is made good by a later read; a map can be given a timeout.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task QueueWaitAsync_NotificationNeverDelivered_ReturnsAtTheNextRecheckOfTheStoredJob()
    {
        var observed = new SignallingBackend(Backend) { MuteNotifications = true };
        var queue = new Queue(observed, null, Clock);
        var job = await queue.EnqueueAsync("work", cancellationToken: Ct);
        var waiting = queue.WaitAsync(job.Key, TimeSpan.FromMinutes(5), Ct);
        await Within(observed.JobsRead);

        var taken = await DequeueOneAsync(job.Key);
        taken.Result = Json("\"done\"");
        await Backend.FinishAsync(taken, JobStatus.Complete, Ct);
        Assert.False(waiting.IsCompleted);
        Clock.Advance(new QueueOptions().WaitRecheckInterval);

        var finished = await Within(waiting);
        Assert.Equal(JobStatus.Complete, finished.Status);
        Assert.Equal("done", finished.Result!.Value.GetString());
    }

    [Fact]
    public async Task QueueMapAsync_NotificationsNeverDelivered_ReturnsEveryResultAtTheNextRecheck()
    {
        var observed = new SignallingBackend(Backend) { MuteNotifications = true };
        var queue = new Queue(observed, null, Clock);
        var mapping = queue.MapAsync<int>("work", [new { n = 1 }, new { n = 2 }], cancellationToken: Ct);
        await Within(observed.JobsRead);

        foreach (var taken in await DequeueNowAsync(2))
        {
            taken.Result = Json((taken.Kwargs!.Value.GetProperty("n").GetInt32() * 10).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Backend.FinishAsync(taken, JobStatus.Complete, Ct);
        }

        Clock.Advance(new QueueOptions().WaitRecheckInterval);

        Assert.Equal([10, 20], (await Within(mapping)).Select(o => o.Result));
    }

    [Fact]
    public async Task QueueMapAsync_JobsNotFinishedWithinTheTimeout_ThrowsJobWaitTimeoutException()
    {
        var observed = new SignallingBackend(Backend);
        var queue = new Queue(observed, null, Clock);
        var mapping = queue.MapAsync<int>("work", [null, null], new MapOptions { Timeout = TimeSpan.FromSeconds(30) }, Ct);
        await Within(observed.JobsRead);

        Clock.Advance(TimeSpan.FromSeconds(31));

        var error = await Assert.ThrowsAsync<JobWaitTimeoutException>(() => Within(mapping));
        Assert.Equal(JobStatus.Queued, error.LastStatus);
    }
}
