using Errand.Testing;

namespace Errand.Conformance;

/// <content>Errand.Testing's tester over this backend: a test that wants the real store gets the same calls and outcomes.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task TesterDrainAsync_JobThatEnqueuesAnother_RunsBothAndReturnsThemComplete()
    {
        var queue = new Queue(Backend, null, Clock);
        var functions = new JobFunctions()
            .Add("first", async context => await queue.EnqueueAsync("second", cancellationToken: context.CancellationToken))
            .Add("second", _ => Task.CompletedTask);
        var tester = new ErrandTester(queue, functions, new ErrandTesterOptions { Clock = Clock });
        await queue.EnqueueAsync("first", cancellationToken: Ct);

        var ran = await tester.DrainAsync(Ct);

        Assert.Equal(["first", "second"], ran.Select(j => j.Function).Order(StringComparer.Ordinal));
        Assert.All(ran, job => Assert.Equal(JobStatus.Complete, job.Status));
    }

    [Fact]
    public async Task TesterAdvanceAsync_JobScheduledInFiveSeconds_RunsOnlyOnceTheFakeClockPassesIt()
    {
        var queue = new Queue(Backend, null, Clock);
        var runs = new List<DateTimeOffset>();
        var functions = new JobFunctions().Add("later", _ =>
        {
            runs.Add(Clock.GetUtcNow());
            return Task.CompletedTask;
        });
        var tester = new ErrandTester(queue, functions, new ErrandTesterOptions { Clock = Clock });
        var start = Clock.GetUtcNow();
        await queue.EnqueueAsync("later", null, new JobOptions { Delay = TimeSpan.FromSeconds(5) }, Ct);

        Assert.Empty(await tester.DrainAsync(Ct));
        Assert.Empty(await tester.AdvanceAsync(TimeSpan.FromSeconds(4), Ct));
        var ran = await tester.AdvanceAsync(TimeSpan.FromSeconds(2), Ct);

        Assert.Equal(JobStatus.Complete, Assert.Single(ran).Status);
        Assert.True(Assert.Single(runs) - start >= TimeSpan.FromSeconds(5));
    }
}
