using System.Text.Json;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary><c>errand info</c> on a real Redis and PostgreSQL; tests that list every queue use a database of their own.</summary>
public sealed class InfoCommandTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private readonly TestServers _servers = new(redis, postgres);

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Info_EmptyDatabase_SaysNoQueuesAndExitsZero(Engine engine)
    {
        // On PostgreSQL a database without SAQ's tables: the command must not create them, nor fail on their absence.
        var url = await _servers.EmptyStoreAsync(engine);

        var result = await ErrandCli.RunAsync("info", url);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"no queues at {TestServers.Shown(url)}", result.Stdout.Trim());
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Info_TwoQueuesOneWithAWorker_ShowsCountsAndTheLiveWorker(Engine engine)
    {
        await using var emails = await _servers.QueueAsync(engine, name: "emails", redisDatabase: 2);
        await using var reports = await emails.OpenAgainAsync("reports");
        await emails.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: TestContext.Current.CancellationToken);
        await emails.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, new JobOptions { Delay = TimeSpan.FromHours(1) }, TestContext.Current.CancellationToken);
        var worker = reports.StartWorker();
        await reports.RunAsync("add", new { a = 1, b = 2 });

        var result = await ErrandCli.RunAsync("info", reports.Url);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n');
        var emailsRow = Assert.Single(lines, l => l.Contains("│ emails", StringComparison.Ordinal));
        Assert.Equal(["emails", "running", "1", "0", "1", "0", "2", "0"], Cells(emailsRow));
        var reportsRow = Assert.Single(lines, l => l.Contains("│ reports", StringComparison.Ordinal) && !l.Contains(worker.Id, StringComparison.Ordinal));
        Assert.Equal(["reports", "running", "0", "0", "0", "0", "0", "1"], Cells(reportsRow));
        var workerRow = Assert.Single(lines, l => l.Contains(worker.Id, StringComparison.Ordinal));
        Assert.Equal("reports", Cells(workerRow)[0]);
        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), Cells(workerRow)[3]);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Info_Json_GivesCountsAndWorkersOfTheNamedQueue(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
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

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Info_Json_GivesRunningAgainstTheLimitAndHeldJobs(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        var limits = new QueueLimits();
        limits.Functions["add"] = new Limit { Concurrency = 1 };
        await queue.Queue.Backend.SetLimitsAsync(limits, TestContext.Current.CancellationToken);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: TestContext.Current.CancellationToken);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Single(await queue.Queue.Backend.DequeueAsync(new Backends.DequeueRequest("w1", 5, TimeSpan.Zero), TestContext.Current.CancellationToken));

        var result = await ErrandCli.RunAsync("info", queue.Url, "--queue", queue.Name, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var limit = Assert.Single(Assert.Single(json.RootElement.GetProperty("queues").EnumerateArray()).GetProperty("limits").EnumerateArray());
        Assert.Equal(("function", "add", 1, 1, 1), (limit.GetProperty("of").GetString(), limit.GetProperty("name").GetString(), limit.GetProperty("running").GetInt32(), limit.GetProperty("concurrency").GetInt32(), limit.GetProperty("held").GetInt32()));
        var table = await ErrandCli.RunAsync("info", queue.Url, "--queue", queue.Name);
        Assert.Contains(table.Stdout.Split('\n'), l => l.Contains("│ function", StringComparison.Ordinal) && l.Contains("│ add", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Info_JobWaitingForItsRetry_IsCountedRetryingAndScheduled(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        var ct = TestContext.Current.CancellationToken;
        await using var subscription = await queue.Queue.Backend.SubscribeAsync(["again"], ct);
        await queue.Queue.EnqueueAsync("fail", new { message = "boom" }, new JobOptions { Key = "again", Retries = 3, RetryDelay = TimeSpan.FromHours(1) }, ct);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, new JobOptions { Delay = TimeSpan.FromHours(1) }, ct);
        queue.StartWorker();

        // Its first attempt fails: it goes from active back to queued, scheduled an hour on.
        var ran = false;
        while ((await subscription.Changes.ReadAsync(ct)).Status is var status && !(ran && status == JobStatus.Queued))
        {
            ran |= status == JobStatus.Active;
        }

        var text = await ErrandCli.RunAsync("info", queue.Url, "--queue", queue.Name);
        var json = await ErrandCli.RunAsync("info", queue.Url, "--queue", queue.Name, "--json");

        Assert.True(text.ExitCode == 0, text.ToString());
        var row = text.Stdout.Split('\n').First(l => l.Contains($"│ {queue.Name}", StringComparison.Ordinal)); // the queues table; the workers' comes next
        Assert.Equal([queue.Name, "running", "0", "0", "2", "1", "2", "1"], Cells(row));
        using var document = JsonDocument.Parse(json.Stdout);
        var only = Assert.Single(document.RootElement.GetProperty("queues").EnumerateArray());
        Assert.Equal(1, only.GetProperty("retrying").GetInt32());
        Assert.Equal(2, only.GetProperty("scheduled").GetInt32());
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Info_UnknownQueue_ExitsFiveNamingIt(Engine engine)
    {
        var result = await ErrandCli.RunAsync("info", await _servers.EmptyStoreAsync(engine, redisDatabase: 0), "--queue", "nosuchqueue");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.StartsWith("error: queue 'nosuchqueue' not found", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_PostgresSchemeAndUrlFromTheEnvironment_ListsTheQueue()
    {
        await using var queue = await _servers.QueueAsync(Engine.Postgres);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: TestContext.Current.CancellationToken);
        var shortScheme = "postgres://" + queue.Url["postgresql://".Length..];

        var argument = await ErrandCli.RunAsync("info", shortScheme, "--json");
        var environment = await ErrandCli.RunWithEnvironmentAsync(new Dictionary<string, string> { ["ERRAND_URL"] = shortScheme }, "info", "--queue", queue.Name, "--json");

        foreach (var result in new[] { argument, environment })
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            using var json = JsonDocument.Parse(result.Stdout);
            var only = Assert.Single(json.RootElement.GetProperty("queues").EnumerateArray());
            Assert.Equal(queue.Name, only.GetProperty("name").GetString());
            Assert.Equal(1, only.GetProperty("queued").GetInt32());
        }
    }

    private static string[] Cells(string row) =>
        [.. row.Split('│', StringSplitOptions.TrimEntries).Where(c => c.Length > 0)];
}
