using System.Text.Json;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary><c>errand jobs</c> and <c>errand job</c> on a real Redis and PostgreSQL.</summary>
public sealed class JobsCommandTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private readonly TestServers _servers = new(redis, postgres);

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Jobs_StatusFailed_ListsOnlyTheFailedJobWithItsError(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        queue.StartWorker();
        var failed = await queue.RunAsync("fail", new { message = "smtp down" });
        var complete = await queue.RunAsync("add", new { a = 1, b = 2 });

        var result = await ErrandCli.RunAsync("jobs", queue.Url, "--queue", queue.Name, "--status", "failed");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(failed.Key, result.Stdout, StringComparison.Ordinal);
        Assert.Contains("smtp down", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(complete.Key, result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"1 of 1 failed jobs on queue '{queue.Name}'", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Jobs_JsonWithLimit_GivesSaqDocumentsAndTheTotal(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        for (var i = 0; i < 3; i++)
        {
            await queue.Queue.EnqueueAsync("add", new { a = i, b = 1 }, cancellationToken: TestContext.Current.CancellationToken);
        }

        var result = await ErrandCli.RunAsync("jobs", queue.Url, "--queue", queue.Name, "--status", "queued", "--limit", "2", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(3, json.RootElement.GetProperty("total").GetInt32());
        var jobs = json.RootElement.GetProperty("jobs").EnumerateArray().ToList();
        Assert.Equal(2, jobs.Count);
        Assert.All(jobs, j => Assert.Equal("add", j.GetProperty("function").GetString()));
        Assert.All(jobs, j => Assert.Equal("queued", j.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Jobs_UnknownQueue_ExitsFive(Engine engine)
    {
        // On PostgreSQL a database without SAQ's tables: "not found", not a crash on the missing table.
        var result = await ErrandCli.RunAsync("jobs", await _servers.EmptyStoreAsync(engine, redisDatabase: 0), "--queue", "nosuchqueue");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("queue 'nosuchqueue' not found", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Job_CompleteJob_ShowsArgumentsAndResult(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        queue.StartWorker();
        var job = await queue.RunAsync("add", new { a = 40, b = 2 });

        var result = await ErrandCli.RunAsync("job", queue.Url, "--queue", queue.Name, job.Key);

        Assert.True(result.ExitCode == 0, result.ToString());
        var fields = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .TakeWhile(l => !l.Contains("Attempts", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ', 2, StringSplitOptions.TrimEntries))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : string.Empty, StringComparer.Ordinal);
        Assert.Equal("complete", fields["status"]);
        Assert.Equal("add", fields["function"]);
        Assert.Equal("{\"a\":40,\"b\":2}", fields["kwargs"]);
        Assert.Equal("42", fields["result"]);
        Assert.Equal("1 of 1", fields["attempts"]);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Job_FailedThreeTimes_ListsEachAttemptWithItsWorkerAndError(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        var worker = queue.StartWorker();
        var job = await queue.RunAsync("fail", new { message = "boom" }, new JobOptions { Retries = 3, RetryDelay = TimeSpan.Zero });

        var result = await ErrandCli.RunAsync("job", queue.Url, "--queue", queue.Name, job.Key);

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = result.Stdout.Split('\n')
            .SkipWhile(l => !l.Contains("Attempts", StringComparison.Ordinal))
            .Where(l => l.Contains(worker.Id, StringComparison.Ordinal))
            .Select(l => l.Split('│', StringSplitOptions.TrimEntries).Where(c => c.Length > 0).ToArray())
            .ToList();
        Assert.Equal(["1", "2", "3"], rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Contains("boom", r[^1], StringComparison.Ordinal));
        Assert.Equal("failed", rows[^1][4]);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Job_Json_IsTheStoredSaqDocument(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        queue.StartWorker();
        var job = await queue.RunAsync("fail", new { message = "boom" });

        var result = await ErrandCli.RunAsync("job", queue.Url, "--queue", queue.Name, job.Key, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(job.Key, json.RootElement.GetProperty("key").GetString());
        Assert.Equal("failed", json.RootElement.GetProperty("status").GetString());
        Assert.Contains("boom", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Job_UnknownKey_ExitsSix(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 1 }, cancellationToken: TestContext.Current.CancellationToken);

        var result = await ErrandCli.RunAsync("job", queue.Url, "--queue", queue.Name, "nosuchkey");

        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Contains($"job 'nosuchkey' not found on queue '{queue.Name}'", result.Stderr, StringComparison.Ordinal);
    }
}
