using System.Text;
using System.Text.Json;
using Errand.Backends;

namespace Errand.Postgres.Tests;

/// <summary>The rows Python SAQ writes are what Errand works, and the rows Errand writes are what SAQ reads.</summary>
public sealed class PostgresFormatTests(PostgresServerFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RunAsync_RowWrittenAsSaqWritesIt_IsWorkedAndFinishedInSaqsShape()
    {
        postgres.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var url = await postgres.CreateDatabaseAsync();
        var queueName = $"saq{Guid.NewGuid():N}";
        await using var queue = await PostgresQueueFactory.ConnectAsync(url, queueName, cancellationToken: ct);
        var nowSeconds = DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()).ToUnixTimeSeconds();
        var key = "from-python";

        // As SAQ 0.26's PostgresQueue.enqueue writes it: json.dumps(job.to_dict()) in BYTEA, the columns beside it.
        var document = $$"""{"function": "add", "kwargs": {"a": 1, "b": 2}, "queue": "{{queueName}}", "key": "{{key}}", "timeout": 10, "retries": 1, "ttl": 600, "queued": {{nowSeconds * 1000}}, "status": "queued"}""";
        await postgres.SqlAsync(
            "INSERT INTO saq_jobs (key, job, queue, status, priority, group_key, scheduled) VALUES ($1, $2, $3, 'queued', 0, NULL, $4)",
            url,
            key,
            Encoding.UTF8.GetBytes(document),
            queueName,
            nowSeconds);
        await postgres.SqlAsync("SELECT pg_notify($1, 'saq:enqueue')", url, $"saq:{queueName}");

        using var worker = new Worker(queue, new JobFunctions().Add<AddArgs, int>("add", (a, _) => Task.FromResult(a.A + a.B)), new WorkerOptions { DequeueWait = TimeSpan.FromMilliseconds(500) });
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);
        var done = await queue.WaitAsync(key, Patience, ct);
        await stop.CancelAsync();
        await running.WaitAsync(Patience, ct);

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(3, done.Result!.Value.GetInt32());
        var row = Assert.Single(await postgres.SqlAsync("SELECT status, expire_at, job, queue FROM saq_jobs WHERE key = $1", url, key));
        Assert.Equal("complete", row[0]);
        Assert.InRange((long)row[1]!, nowSeconds + 600, nowSeconds + 660);
        using var stored = JsonDocument.Parse((byte[])row[2]!);
        Assert.Equal(queueName, stored.RootElement.GetProperty("queue").GetString());
        Assert.Equal("complete", stored.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, stored.RootElement.GetProperty("result").GetInt32());
        Assert.Equal(1, stored.RootElement.GetProperty("attempts").GetInt32());
        Assert.Equal(queueName, row[3]);
    }

    [Fact]
    public async Task EnqueueAndFinish_RowsAreWhatSaqReads()
    {
        postgres.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var url = await postgres.CreateDatabaseAsync();
        var queueName = $"saq{Guid.NewGuid():N}";
        await using var backend = await PostgresQueueBackend.ConnectAsync(url, new PostgresBackendOptions { QueueName = queueName }, cancellationToken: ct);
        var later = TimeProvider.System.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds();
        var job = new Job("work", queueName, "k1") { Priority = 7, GroupKey = "tenant-1", Ttl = 60 };
        var scheduled = new Job("work", queueName, "k2") { Scheduled = later };

        await backend.EnqueueAsync(job, ct);
        await backend.EnqueueAsync(scheduled, ct);

        var rows = await postgres.SqlAsync("SELECT key, queue, status, priority, group_key, scheduled, expire_at, job FROM saq_jobs ORDER BY key", url);
        Assert.Equal(["k1", "k2"], rows.Select(r => (string)r[0]!));
        Assert.Equal((queueName, "queued", (short)7, "tenant-1"), ((string)rows[0][1]!, (string)rows[0][2]!, (short)rows[0][3]!, (string)rows[0][4]!));
        Assert.Equal(job.Queued / 1000, (long)rows[0][5]!);
        Assert.Null(rows[0][6]);
        Assert.Equal(later, (long)rows[1][5]!);
        Assert.Null(rows[1][4]);
        using (var document = JsonDocument.Parse((byte[])rows[0][7]!))
        {
            Assert.Equal(queueName, document.RootElement.GetProperty("queue").GetString());
            Assert.Equal("k1", document.RootElement.GetProperty("key").GetString());
            Assert.Equal("queued", document.RootElement.GetProperty("status").GetString());
        }

        var taken = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w1", 5, TimeSpan.Zero), ct));
        await backend.FinishAsync(taken, JobStatus.Complete, ct);
        await backend.WriteWorkerInfoAsync(new WorkerInfo("w1", queueName, new WorkerStats(1, 0, 0, 0, 1000), JsonDocument.Parse("""{"host": "box"}""").RootElement), TimeSpan.FromSeconds(60), ct);

        var finished = Assert.Single(await postgres.SqlAsync("SELECT status, expire_at, job FROM saq_jobs WHERE key = 'k1'", url));
        Assert.Equal("complete", finished[0]);
        Assert.InRange((long)finished[1]!, (taken.Started / 1000) + 60, (taken.Started / 1000) + 61);
        using (var document = JsonDocument.Parse((byte[])finished[2]!))
        {
            Assert.Equal("w1", document.RootElement.GetProperty("worker_id").GetString());
            Assert.Equal("complete", document.RootElement.GetProperty("status").GetString());
        }

        var stats = Assert.Single(await postgres.SqlAsync("SELECT worker_id, stats::text, queue_key, metadata::text, expire_at FROM saq_stats", url));
        Assert.Equal("w1", stats[0]);
        using (var statsDocument = JsonDocument.Parse((string)stats[1]!))
        {
            Assert.Equal(1, statsDocument.RootElement.GetProperty("complete").GetInt32());
            Assert.Equal(1000, statsDocument.RootElement.GetProperty("uptime").GetInt32());
        }

        Assert.Equal(queueName, stats[2]);
        Assert.Contains("box", (string)stats[3]!, StringComparison.Ordinal);
        Assert.InRange((long)stats[4]!, TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() + 55, TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() + 61);
    }

    private sealed record AddArgs(int A, int B);
}
