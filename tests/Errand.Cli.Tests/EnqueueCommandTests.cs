using System.Text.Json;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary><c>errand enqueue</c> on a real Redis and PostgreSQL, with an in-process worker where a result is awaited.</summary>
public sealed class EnqueueCommandTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private readonly TestServers _servers = new(redis, postgres);

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Enqueue_KeyAndDelay_PrintsTheKeyAndStoresAScheduledJob(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "add", "{\"a\": 1, \"b\": 2}", "--key", "report-7", "--in", "1h30m");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("report-7", result.Stdout.Trim());
        var job = await queue.Queue.GetJobAsync("report-7", TestContext.Current.CancellationToken);
        Assert.NotNull(job);
        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Equal(2, job.Kwargs!.Value.GetProperty("b").GetInt32());
        var expected = TimeProvider.System.GetUtcNow().AddMinutes(90).ToUnixTimeSeconds();
        Assert.InRange(job.Scheduled, expected - 60, expected + 1);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Enqueue_At_SchedulesAtThatTime(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "add", "--at", "2030-01-01T09:00:00Z", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 9, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), json.RootElement.GetProperty("scheduled").GetInt64());
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Enqueue_Wait_PrintsTheResult(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        queue.StartWorker();

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "echo", "{\"to\": \"ada@example.com\", \"n\": [1, 2]}", "--wait");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("{\"to\":\"ada@example.com\",\"n\":[1,2]}", result.Stdout.Trim());
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Enqueue_WaitAnsweredByAWorkerProgram_PrintsTheSum(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        using var worker = ProgramProcess.Start("Errand.Cli.Tests.Worker", ["--url", queue.Url, "--queue", queue.Name]);

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "add", "{\"a\":1,\"b\":2}", "--wait");

        Assert.True(result.ExitCode == 0, $"{result}\n--- worker\n{worker.Output}");
        Assert.Equal("3", result.Stdout.Trim());
        await ProgramProcess.SignalAsync(worker.Id, "TERM");
        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, worker.Output);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Enqueue_WaitOnAFailingJob_PrintsTheErrorAndExitsOne(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        queue.StartWorker();

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "fail", "{\"message\": \"no such author\"}", "--wait");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        Assert.StartsWith("job ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("failed: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such author", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Engine.Redis, "{\"a\": 1,", "the arguments are not valid JSON")]
    [InlineData(Engine.Redis, "[1, 2]", "the arguments must be a JSON object")]
    [InlineData(Engine.Postgres, "{\"a\": 1,", "the arguments are not valid JSON")]
    public async Task Enqueue_BadJson_ExitsSevenAndStoresNothing(Engine engine, string kwargs, string message)
    {
        await using var queue = await _servers.QueueAsync(engine);

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "add", kwargs);

        Assert.True(result.ExitCode == 7, result.ToString());
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await queue.Queue.CountAsync(TestContext.Current.CancellationToken)).Incomplete);
    }
}
