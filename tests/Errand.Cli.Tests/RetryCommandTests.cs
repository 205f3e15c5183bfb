using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary><c>errand retry</c> (one job, or every failed one) on a real Redis and PostgreSQL.</summary>
public sealed class RetryCommandTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private readonly TestServers _servers = new(redis, postgres);

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Retry_FailedJob_QueuesItAgain(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        await using (var running = await queue.OpenAgainAsync())
        {
            running.StartWorker();
            var failed = await running.RunAsync("fail", new { message = "boom" });
            Assert.Equal(JobStatus.Failed, failed.Status);
        }

        var key = (await queue.Queue.ListJobsAsync(new Backends.JobQuery(JobStatus.Failed), TestContext.Current.CancellationToken)).Jobs.Single().Key;
        var result = await ErrandCli.RunAsync("retry", queue.Url, "--queue", queue.Name, key);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"retried {key} (was failed)", result.Stdout.Trim());
        var stored = await queue.Queue.GetJobAsync(key, TestContext.Current.CancellationToken);
        Assert.Equal(JobStatus.Queued, stored!.Status);
        Assert.Equal(1, (await queue.Queue.CountAsync(TestContext.Current.CancellationToken)).Queued);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Retry_QueuedJob_IsRefusedWithExitOne(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        var job = await queue.Queue.EnqueueAsync("add", new { a = 1, b = 1 }, cancellationToken: TestContext.Current.CancellationToken);

        var result = await ErrandCli.RunAsync("retry", queue.Url, "--queue", queue.Name, job.Key);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("it is already queued", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, (await queue.Queue.CountAsync(TestContext.Current.CancellationToken)).Queued);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Retry_AllFailed_RetriesEachFailedJobOnceAndSummarises(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        var keys = new List<string>();
        await using (var running = await queue.OpenAgainAsync())
        {
            running.StartWorker();
            for (var i = 0; i < 5; i++)
            {
                keys.Add((await running.RunAsync("fail", new { message = $"boom {i}" })).Key);
            }

            await running.RunAsync("add", new { a = 1, b = 1 });
        }

        var result = await ErrandCli.RunAsync("retry", queue.Url, "--queue", queue.Name, "--all-failed");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"retrying 5 failed jobs on queue '{queue.Name}'", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"retried 5 of 5 failed jobs on queue '{queue.Name}'", result.Stdout, StringComparison.Ordinal);
        var jobs = await queue.Queue.GetJobsAsync(keys, TestContext.Current.CancellationToken);
        Assert.All(jobs, j => Assert.Equal(JobStatus.Queued, j!.Status));
        Assert.Equal(5, (await queue.Queue.CountAsync(TestContext.Current.CancellationToken)).Queued);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Retry_UnknownKey_ExitsSix(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 1 }, cancellationToken: TestContext.Current.CancellationToken);

        var result = await ErrandCli.RunAsync("retry", queue.Url, "--queue", queue.Name, "nosuchkey");

        Assert.True(result.ExitCode == 6, result.ToString());
    }
}
