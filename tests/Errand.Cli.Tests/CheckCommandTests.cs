using System.Text.Json;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary><c>errand check</c>: a health check of a queue's workers, on Redis and PostgreSQL.</summary>
public sealed class CheckCommandTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private readonly TestServers _servers = new(redis, postgres);

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Check_LiveWorker_ExitsZero(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        queue.StartWorker();
        await queue.RunAsync("add", new { a = 1, b = 1 });

        var result = await ErrandCli.RunAsync("check", queue.Url, "--queue", queue.Name);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"ok: queue '{queue.Name}' has 1 live worker", result.Stdout.Trim());
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Check_NoWorker_ExitsOne(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 1 }, cancellationToken: TestContext.Current.CancellationToken);

        var result = await ErrandCli.RunAsync("check", queue.Url, "--queue", queue.Name, "--json");

        Assert.True(result.ExitCode == 1, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.False(json.RootElement.GetProperty("healthy").GetBoolean());
        Assert.Equal(0, json.RootElement.GetProperty("workers").GetInt32());
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Check_StoreNoQueueWasEverOpenedIn_ExitsOneSayingNoLiveWorker(Engine engine)
    {
        // On PostgreSQL a database without SAQ's tables.
        var url = await _servers.EmptyStoreAsync(engine, redisDatabase: 3);

        var result = await ErrandCli.RunAsync("check", url, "--queue", "nosuchqueue");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("unhealthy: queue 'nosuchqueue' has no live worker at ", result.Stderr, StringComparison.Ordinal);
    }
}
