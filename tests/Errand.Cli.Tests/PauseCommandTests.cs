using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary><c>errand pause</c> and <c>errand resume</c>, and the state in <c>errand info</c>, on a real Redis and PostgreSQL.</summary>
public sealed class PauseCommandTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private readonly TestServers _servers = new(redis, postgres);

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task PauseThenResume_RunningWorker_StopsTakingThenRunsTheJobThatWaited(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(engine);
        var worker = queue.StartWorker();
        await queue.RunAsync("add", new { a = 1, b = 1 });

        // Added after the worker's own watch on the same backend: when this one hears the pause, the worker has.
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watch = await queue.Queue.Backend.WatchPausedAsync(paused => { if (paused) { heard.TrySetResult(); } }, ct);
        var paused = await ErrandCli.RunAsync("pause", queue.Url, queue.Name);

        Assert.True(paused.ExitCode == 0, paused.ToString());
        Assert.Equal($"paused queue '{queue.Name}'", paused.Stdout.Trim());
        Assert.True(await queue.Queue.IsPausedAsync(ct));
        await heard.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.True(worker.IsPaused);
        var info = await ErrandCli.RunAsync("info", queue.Url, "--queue", queue.Name, "--json");
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("\"paused\": true", info.Stdout, StringComparison.Ordinal);

        var job = await queue.Queue.EnqueueAsync("add", new { a = 2, b = 2 }, cancellationToken: ct);
        var again = await ErrandCli.RunAsync("pause", queue.Url, queue.Name);
        Assert.Contains("(it was paused already)", again.Stdout, StringComparison.Ordinal);
        var resumed = await ErrandCli.RunAsync("resume", queue.Url, queue.Name);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal($"resumed queue '{queue.Name}'", resumed.Stdout.Trim());
        Assert.False(await queue.Queue.IsPausedAsync(ct));
        var done = await queue.Queue.WaitAsync(job.Key, TimeSpan.FromSeconds(30), ct);
        Assert.Equal(4, done.Result!.Value.GetInt32());
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Info_PausedQueue_ShowsItsState(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(engine);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 1 }, cancellationToken: ct);
        await queue.Queue.PauseAsync(ct);

        var paused = await ErrandCli.RunAsync("info", queue.Url, "--queue", queue.Name);
        await queue.Queue.ResumeAsync(ct);
        var running = await ErrandCli.RunAsync("info", queue.Url, "--queue", queue.Name);

        Assert.True(paused.ExitCode == 0, paused.ToString());
        Assert.Contains("paused", paused.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("paused", running.Stdout, StringComparison.Ordinal);
        Assert.Contains("running", running.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_QueueWithNothingStored_PausesAndSaysSo()
    {
        await using var queue = await _servers.QueueAsync(Engine.Redis);

        var result = await ErrandCli.RunAsync("pause", queue.Url, queue.Name);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("nothing of queue", result.Stdout, StringComparison.Ordinal);
        Assert.True(await queue.Queue.IsPausedAsync(TestContext.Current.CancellationToken));
    }
}
