using System.Diagnostics;
using Errand.Backends;

namespace Errand.Postgres.Tests;

/// <summary>Pages of finished jobs stay cheap with many finished jobs: read through Errand's index, not every row.</summary>
public sealed class PostgresListJobsCostTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task ListJobsAsync_HundredThousandFinishedJobs_PagesThroughTheIndex()
    {
        postgres.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var queueName = $"c{Guid.NewGuid():N}";
        var options = PostgresServerFixture.IsolatedOptions(queueName);
        await using var backend = await PostgresQueueBackend.ConnectAsync(postgres.Url, options, cancellationToken: ct);
        var job = new Job("work", queueName, "template") { Status = JobStatus.Complete, Completed = 1 };
        var document = JobDocument.Serialize(job);

        // Written in bulk behind the backend's back, as Errand's finishes leave them: a row and an index entry each.
        await postgres.SqlAsync(
            $"""INSERT INTO "{options.JobsTable}" (key, job, queue, status, scheduled, expire_at) SELECT 'k' || i, $1, $2, 'complete', 0, NULL FROM generate_series(1, 100000) AS i""",
            null,
            document,
            queueName);
        await postgres.SqlAsync(
            $"""INSERT INTO "{options.ErrandTablePrefix}finished" (key, queue, status, completed_ms) SELECT 'k' || i, $1, 'complete', i FROM generate_series(1, 100000) AS i""",
            null,
            queueName);
        await postgres.SqlAsync($"""ANALYZE "{options.JobsTable}"; ANALYZE "{options.ErrandTablePrefix}finished";""");

        var plan = string.Join('\n', (await postgres.SqlAsync(
            $"""
            EXPLAIN SELECT j.key FROM "{options.ErrandTablePrefix}finished" AS f
            JOIN "{options.JobsTable}" AS j ON j.key = f.key AND j.status = f.status AND j.queue = f.queue
            WHERE f.queue = '{queueName}' AND f.status = 'complete' AND octet_length(j.job) > 0
            ORDER BY f.completed_ms DESC, f.key LIMIT 50 OFFSET 0
            """)).Select(r => (string)r[0]!));
        await backend.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 50), ct);
        var watch = Stopwatch.StartNew();
        var page = await backend.ListJobsAsync(new JobQuery(JobStatus.Complete, 0, 50), ct);
        var elapsed = watch.Elapsed;

        Assert.Equal(100_000, page.Total);
        Assert.Equal(50, page.Jobs.Count);
        Assert.Contains("finished_page_idx", plan, StringComparison.Ordinal);
        TestContext.Current.SendDiagnosticMessage($"page of 50 out of 100,000 finished: {elapsed.TotalMilliseconds:F1} ms");
    }
}
