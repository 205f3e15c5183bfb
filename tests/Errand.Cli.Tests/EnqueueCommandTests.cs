using System.Text.Json;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary><c>errand enqueue</c> on a real Redis, with an in-process worker where a result is awaited.</summary>
public sealed class EnqueueCommandTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Enqueue_KeyAndDelay_PrintsTheKeyAndStoresAScheduledJob()
    {
        await using var queue = await TestQueue.CreateAsync(redis);

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

    [Fact]
    public async Task Enqueue_At_SchedulesAtThatTime()
    {
        await using var queue = await TestQueue.CreateAsync(redis);

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "add", "--at", "2030-01-01T09:00:00Z", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 9, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds(), json.RootElement.GetProperty("scheduled").GetInt64());
    }

    [Fact]
    public async Task Enqueue_Wait_PrintsTheResult()
    {
        await using var queue = await TestQueue.CreateAsync(redis);
        queue.StartWorker();

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "echo", "{\"to\": \"ada@example.com\", \"n\": [1, 2]}", "--wait");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("{\"to\":\"ada@example.com\",\"n\":[1,2]}", result.Stdout.Trim());
    }

    [Fact]
    public async Task Enqueue_WaitOnAFailingJob_PrintsTheErrorAndExitsOne()
    {
        await using var queue = await TestQueue.CreateAsync(redis);
        queue.StartWorker();

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "fail", "{\"message\": \"no such author\"}", "--wait");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(string.Empty, result.Stdout);
        Assert.StartsWith("job ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("failed: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("no such author", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\": 1,", "the arguments are not valid JSON")]
    [InlineData("[1, 2]", "the arguments must be a JSON object")]
    public async Task Enqueue_BadJson_ExitsSevenAndStoresNothing(string kwargs, string message)
    {
        await using var queue = await TestQueue.CreateAsync(redis);

        var result = await ErrandCli.RunAsync("enqueue", queue.Url, "--queue", queue.Name, "add", kwargs);

        Assert.True(result.ExitCode == 7, result.ToString());
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await queue.Queue.CountAsync(TestContext.Current.CancellationToken)).Incomplete);
    }
}
