using Errand.Backends;

namespace Errand.Conformance;

/// <content>Worker ids as SAQ allows them, <c>:</c> included.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task SweepAsync_LiveWorkerIdWithColonRunsAJobWithoutTimeout_NeverSweepsItAndListsTheWorker()
    {
        // SAQ takes any worker id; "host:1" is a common custom one. The sweeper must find it alive, not read "1".
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("host:1"), TimeSpan.FromSeconds(60), Ct);
        await EnqueueNewAsync("long", j => (j.Timeout, j.Heartbeat) = (0, 0));
        var job = await DequeueOneAsync("long", "host:1");
        Assert.Equal("host:1", job.WorkerId);

        for (var round = 0; round < 4; round++)
        {
            var result = await Backend.SweepAsync(ShortRound, Ct);
            Assert.Empty(result.Stuck);
            await LetShortLocksExpireAsync();
            Clock.Advance(Grace + TimeSpan.FromSeconds(1));
        }

        Assert.Equal(JobStatus.Active, (await StoredAsync("long")).Status);
        var worker = Assert.Single(await Backend.GetWorkersAsync(Ct));
        Assert.Equal("host:1", worker.WorkerId);
        Assert.Equal(QueueName, worker.Queue);
        Assert.Equal(new WorkerStats(1, 2, 3, 4, 5000), worker.Stats);
    }
}
