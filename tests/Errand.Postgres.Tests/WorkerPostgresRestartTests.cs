namespace Errand.Postgres.Tests;

/// <summary>A worker running through a PostgreSQL restart: nothing committed is lost, and waiters wake.</summary>
public sealed class WorkerPostgresRestartTests(PostgresServerFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_PostgresRestarts_WorkerGoesOnAndAWaitingCallerWakes()
    {
        postgres.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;

        // A server of its own: the shared one serves tests that run meanwhile.
        await using var server = await PostgresServer.StartAsync(postgres.Binaries!, durable: true, ct);
        await using var queue = await PostgresQueueFactory.ConnectAsync(server.Url(), $"r{Guid.NewGuid():N}", new QueueOptions { WaitRecheckInterval = TimeSpan.FromMinutes(5) }, cancellationToken: ct);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var functions = new JobFunctions()
            .Add<AddArgs, int>("add", (a, _) => Task.FromResult(a.A + a.B))
            .Add<int>("gated", async _ =>
            {
                await gate.Task;
                return 7;
            });
        var options = new WorkerOptions { ScheduleInterval = TimeSpan.FromMilliseconds(200), DequeueWait = TimeSpan.FromMilliseconds(500) };
        using var worker = new Worker(queue, functions, options);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);
        Assert.Equal(2, await queue.ApplyAsync<int>("add", new { a = 1, b = 1 }, cancellationToken: ct));

        // Committed before the restart: a job that runs through it, and one that waits for a later time.
        var through = await queue.EnqueueAsync("gated", null, new JobOptions { Timeout = TimeSpan.Zero }, ct);
        await Errand.Conformance.JobSignals.WaitForStatusAsync(queue, queue.Backend, through.Key, Errand.JobStatus.Active, Patience, ct);
        var scheduled = await queue.EnqueueAsync("add", new { a = 2, b = 2 }, new JobOptions { Delay = TimeSpan.FromSeconds(2) }, ct);
        var waiting = queue.WaitAsync(through.Key, Patience, ct);

        await server.StopAsync(ct);
        await server.StartAsync(ct);
        gate.SetResult();

        var after = await queue.ApplyAsync<int>("add", new { a = 3, b = 3 }, cancellationToken: ct).WaitAsync(Patience, ct);
        var before = await queue.WaitAsync(scheduled.Key, Patience, ct);
        var woken = await waiting.WaitAsync(Patience, ct);
        await stop.CancelAsync();
        await running.WaitAsync(Patience, ct);

        Assert.Equal(6, after);
        Assert.Equal((Errand.JobStatus.Complete, 4), (before.Status, before.Result!.Value.GetInt32()));
        Assert.Equal((Errand.JobStatus.Complete, 7), (woken.Status, woken.Result!.Value.GetInt32()));
        Assert.Equal(0, worker.Stats.Failed);
    }

    private sealed record AddArgs(int A, int B);
}
