using Errand.Conformance;
using Errand.Redis.Tests;

namespace Errand.Postgres.Tests;

/// <summary>Worker processes that die, on a real PostgreSQL: no job is lost.</summary>
public sealed class WorkerProcessTests(PostgresServerFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // The Quickstart sample's worker, with a sweep and worker info every second: a killed worker's job is found quickly.
    private static readonly string[] FastTimers = ["--sweep-interval", "1", "--worker-info-interval", "1"];

    [Fact]
    public async Task WorkerKilledMidJob_AnotherWorkerFinishesTheJobAfterTheSweep()
    {
        postgres.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var name = $"p{Guid.NewGuid():N}";
        var url = await postgres.CreateDatabaseAsync();
        await using var queue = await PostgresQueueFactory.ConnectAsync(url, name, cancellationToken: ct);
        using var first = WorkerProcess.Start(url, name, FastTimers);

        // No timeout and no heartbeat: only the worker's stats row tells that the worker died (SAQ would keep it active for ever).
        var job = await queue.EnqueueAsync("sleep", new { seconds = 2 }, new JobOptions { Timeout = TimeSpan.Zero, Retries = 2 }, ct);
        var active = await JobSignals.WaitForStatusAsync(queue, queue.Backend, job.Key, JobStatus.Active, Patience, ct);
        await first.KillAsync();
        using var second = WorkerProcess.Start(url, name, FastTimers);
        var done = await queue.WaitAsync(job.Key, Patience, ct);

        Assert.True(done.Status == JobStatus.Complete, $"{done.Status}: {done.Error}\n{second.Output}");
        Assert.Equal(2, done.Attempts);
        Assert.NotEqual(active.WorkerId, done.WorkerId);
        Assert.Equal(2.0, done.Result!.Value.GetDouble());
    }
}
