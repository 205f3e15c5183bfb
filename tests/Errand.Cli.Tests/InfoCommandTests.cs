using System.Text.Json;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary><c>errand info</c> on a real Redis; tests that list every queue use a database of their own.</summary>
public sealed class InfoCommandTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Info_EmptyDatabase_SaysNoQueuesAndExitsZero()
    {
        redis.SkipIfMissing();
        var result = await ErrandCli.RunAsync("info", $"{redis.Url}/1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"no queues at {redis.Url}/1", result.Stdout.Trim());
    }

    [Fact]
    public async Task Info_TwoQueuesOneWithAWorker_ShowsCountsAndTheLiveWorker()
    {
        await using var emails = await TestQueue.CreateAsync(redis, database: 2, name: "emails");
        await using var reports = await TestQueue.CreateAsync(redis, database: 2, name: "reports");
        await emails.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: TestContext.Current.CancellationToken);
        await emails.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, new JobOptions { Delay = TimeSpan.FromHours(1) }, TestContext.Current.CancellationToken);
        var worker = reports.StartWorker();
        await reports.RunAsync("add", new { a = 1, b = 2 });

        var result = await ErrandCli.RunAsync("info", reports.Url);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n');
        var emailsRow = Assert.Single(lines, l => l.Contains("│ emails", StringComparison.Ordinal));
        Assert.Equal(["emails", "1", "0", "1", "2", "0"], Cells(emailsRow));
        var reportsRow = Assert.Single(lines, l => l.Contains("│ reports", StringComparison.Ordinal) && !l.Contains(worker.Id, StringComparison.Ordinal));
        Assert.Equal(["reports", "0", "0", "0", "0", "1"], Cells(reportsRow));
        var workerRow = Assert.Single(lines, l => l.Contains(worker.Id, StringComparison.Ordinal));
        Assert.Equal("reports", Cells(workerRow)[0]);
        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), Cells(workerRow)[3]);
    }

    [Fact]
    public async Task Info_Json_GivesCountsAndWorkersOfTheNamedQueue()
    {
        await using var queue = await TestQueue.CreateAsync(redis);
        var worker = queue.StartWorker();
        await queue.RunAsync("add", new { a = 1, b = 2 });
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, new JobOptions { Delay = TimeSpan.FromHours(1) }, TestContext.Current.CancellationToken);

        var result = await ErrandCli.RunAsync("info", queue.Url, "--queue", queue.Name, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var only = Assert.Single(json.RootElement.GetProperty("queues").EnumerateArray());
        Assert.Equal(queue.Name, only.GetProperty("name").GetString());
        Assert.Equal(1, only.GetProperty("scheduled").GetInt32());
        Assert.Equal(1, only.GetProperty("incomplete").GetInt32());
        var liveWorker = Assert.Single(only.GetProperty("workers").EnumerateArray());
        Assert.Equal(worker.Id, liveWorker.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Info_UnknownQueue_ExitsFiveNamingIt()
    {
        redis.SkipIfMissing();
        var result = await ErrandCli.RunAsync("info", redis.Url, "--queue", "nosuchqueue");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.StartsWith("error: queue 'nosuchqueue' not found", result.Stderr, StringComparison.Ordinal);
    }

    private static string[] Cells(string row) =>
        [.. row.Split('│', StringSplitOptions.TrimEntries).Where(c => c.Length > 0)];
}
