using System.Text;
using System.Text.Json;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary>The Quickstart sample (samples/Quickstart) as real processes on PostgreSQL, and a job written as Python SAQ writes it.</summary>
public sealed class QuickstartInteropTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private const string Program = "Quickstart";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TestServers _servers = new(redis, postgres);

    [Fact]
    public async Task Worker_RowWrittenAsPythonSaqWritesIt_RunsItAndStoresSaqsShape()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(Engine.Postgres);
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var key = "from-python";

        // As SAQ 0.26's PostgresQueue.enqueue writes it: json.dumps(job.to_dict()) in BYTEA, the columns beside it, then NOTIFY.
        var document = $$"""{"function": "add", "kwargs": {"a": 1, "b": 2}, "queue": "{{queue.Name}}", "key": "{{key}}", "timeout": 10, "retries": 1, "ttl": 600, "queued": {{now * 1000}}, "status": "queued"}""";
        await postgres.SqlAsync(
            "INSERT INTO saq_jobs (key, job, queue, status, priority, group_key, scheduled) VALUES ($1, $2, $3, 'queued', 0, NULL, $4)",
            queue.Url,
            key,
            Encoding.UTF8.GetBytes(document),
            queue.Name,
            now);
        await postgres.SqlAsync("SELECT pg_notify($1, 'saq:enqueue')", queue.Url, $"saq:{queue.Name}");
        using var worker = ProgramProcess.Start(Program, ["worker", "--url", queue.Url, "--queue", queue.Name]);

        var done = await queue.Queue.WaitAsync(key, Patience, ct);

        Assert.True(done.Status == JobStatus.Complete, $"{done.Status} {done.Error}\n{worker.Output}");
        Assert.Equal(3, done.Result!.Value.GetDouble());
        var row = Assert.Single(await postgres.SqlAsync("SELECT status, job FROM saq_jobs WHERE key = $1", queue.Url, key));
        Assert.Equal("complete", row[0]);
        using var stored = JsonDocument.Parse((byte[])row[1]!);
        Assert.Equal("complete", stored.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, stored.RootElement.GetProperty("result").GetDouble());
        Assert.Equal(queue.Name, stored.RootElement.GetProperty("queue").GetString());
        await ProgramProcess.SignalAsync(worker.Id, "TERM");
        Assert.True(await worker.WaitForExitAsync(Patience) == 0, worker.Output);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task EnqueueWait_AnsweredByTheQuickstartWorker_PrintsTheSum(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        using var worker = ProgramProcess.Start(Program, ["worker", "--url", queue.Url, "--queue", queue.Name]);
        using var enqueue = ProgramProcess.Start(Program, ["enqueue", "--url", queue.Url, "--queue", queue.Name, "add", "{\"a\":1,\"b\":2}", "--wait"]);

        var exit = await enqueue.WaitForExitAsync(Patience);

        Assert.True(exit == 0, $"{enqueue.Output}\n--- worker\n{worker.Output}");
        Assert.True(enqueue.Stdout.Trim() == "3", $"{enqueue.Output}\n--- worker\n{worker.Output}");
        await ProgramProcess.SignalAsync(worker.Id, "TERM");
        Assert.True(await worker.WaitForExitAsync(Patience) == 0, worker.Output);
    }
}
