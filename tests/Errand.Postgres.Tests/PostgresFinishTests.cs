using System.Globalization;
using Errand.Backends;

namespace Errand.Postgres.Tests;

/// <summary>
/// A finish is one conditional statement while the row is as this backend wrote it; when another process has written
/// the row since (SAQ's worker, another Errand), it is judged on the locked row as before.
/// </summary>
public sealed class PostgresFinishTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FinishAsync_RowRewrittenByAnotherProcessForTheSameAttempt_FinishesIt()
    {
        postgres.SkipIfMissing();
        var (backend, options) = await ConnectAsync();
        await using var _ = backend;
        await backend.EnqueueAsync(new Job("work", options.QueueName, "k"), Ct);
        var taken = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w", 1, TimeSpan.Zero), Ct));

        // Another process writes the same attempt's document (progress, as SAQ's worker does): the row is still this attempt's.
        var theirs = taken.Clone();
        theirs.Progress = 0.7;
        await postgres.SqlAsync($"UPDATE \"{options.JobsTable}\" SET job = $1 WHERE key = 'k'", null, JobDocument.Serialize(theirs));

        await backend.FinishAsync(taken, JobStatus.Complete, Ct);

        Assert.Equal("complete", await ScalarAsync($"SELECT status FROM \"{options.JobsTable}\" WHERE key = 'k'"));
    }

    [Fact]
    public async Task FinishAsync_RowRequeuedByAnotherProcessSinceTheTake_ChangesNothing()
    {
        postgres.SkipIfMissing();
        var (backend, options) = await ConnectAsync();
        await using var _ = backend;
        await backend.EnqueueAsync(new Job("work", options.QueueName, "k") { Retries = 3 }, Ct);
        var taken = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w", 1, TimeSpan.Zero), Ct));

        // Another process's sweeper requeued the attempt: same attempts, status queued again. A stale finish must not end it.
        var requeued = taken.Clone();
        requeued.Status = JobStatus.Queued;
        await postgres.SqlAsync($"UPDATE \"{options.JobsTable}\" SET job = $1, status = 'queued' WHERE key = 'k'", null, JobDocument.Serialize(requeued));

        await backend.FinishAsync(taken, JobStatus.Complete, Ct);

        Assert.Equal("queued", await ScalarAsync($"SELECT status FROM \"{options.JobsTable}\" WHERE key = 'k'"));
        Assert.Equal(new QueueCounts(1, 0, 0, 1), await backend.CountAsync(Ct));
    }

    [Fact]
    public async Task FinishAsync_RowTakenOverByAnotherWorkerSinceTheTake_ChangesNothing()
    {
        postgres.SkipIfMissing();
        var (backend, options) = await ConnectAsync();
        await using var _ = backend;
        await backend.EnqueueAsync(new Job("work", options.QueueName, "k") { Retries = 3 }, Ct);
        var taken = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.Zero), Ct));

        // Swept and taken again by another process: still active, the next attempt, another worker's.
        var theirs = taken.Clone();
        theirs.Attempts++;
        theirs.WorkerId = "w2";
        await postgres.SqlAsync($"UPDATE \"{options.JobsTable}\" SET job = $1 WHERE key = 'k'", null, JobDocument.Serialize(theirs));

        await backend.FinishAsync(taken, JobStatus.Failed, Ct);

        var stored = (await backend.GetJobsAsync(["k"], Ct)).Single()!;
        Assert.Equal((JobStatus.Active, theirs.Attempts, "w2"), (stored.Status, stored.Attempts, stored.WorkerId));
    }

    [Fact]
    public async Task FinishAsync_ManyJobsAtOnceOneAbortedMeanwhile_FinishesTheOthersAndLeavesTheAbortToItsRules()
    {
        postgres.SkipIfMissing();
        var (backend, options) = await ConnectAsync();
        await using var _ = backend;
        for (var i = 0; i < 50; i++)
        {
            await backend.EnqueueAsync(new Job("work", options.QueueName, $"k{i}"), Ct);
        }

        var taken = await backend.DequeueAsync(new DequeueRequest("w", 50, TimeSpan.Zero), Ct);
        Assert.Equal(AbortResult.Aborting, await backend.AbortAsync(taken.Single(j => j.Key == "k7").Clone(), "stop", Ct));

        await Task.WhenAll(taken.Select(j => backend.FinishAsync(j, JobStatus.Complete, Ct)));

        // The aborted one's finish is judged on its locked row (an aborting job's worker ends it): it ends complete,
        // like the others, and each is counted once in the history and the index of finished jobs.
        Assert.Equal("complete:50", await ScalarAsync($"SELECT string_agg(status || ':' || n, ',') FROM (SELECT status, count(*) AS n FROM \"{options.JobsTable}\" GROUP BY status) AS s"));
        Assert.Equal(50L, Convert.ToInt64(await ScalarAsync($"SELECT sum(complete) FROM \"{options.ErrandTablePrefix}history\""), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(50L, await ScalarAsync($"SELECT count(*) FROM \"{options.ErrandTablePrefix}finished\" WHERE status = 'complete'"));
    }

    [Fact]
    public async Task FinishAsync_FirstAttemptCompletes_StoresNoAttemptRowAndTheRecordComesFromTheDocument()
    {
        postgres.SkipIfMissing();
        var (backend, options) = await ConnectAsync();
        await using var _ = backend;
        await backend.EnqueueAsync(new Job("work", options.QueueName, "k"), Ct);
        var taken = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.Zero), Ct));

        await backend.FinishAsync(taken, JobStatus.Complete, Ct);

        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM \"{options.ErrandTablePrefix}attempts\" WHERE key = 'k'"));
        var stored = (await backend.GetJobsAsync(["k"], Ct)).Single()!;
        var attempt = Assert.Single(await backend.GetAttemptsAsync("k", Ct));
        Assert.Equal(
            (1, (DateTimeOffset?)DateTimeOffset.FromUnixTimeMilliseconds(stored.Started), DateTimeOffset.FromUnixTimeMilliseconds(stored.Completed), "w1", JobStatus.Complete, (string?)null),
            (attempt.Attempt, attempt.Started, attempt.Ended, attempt.WorkerId, attempt.Outcome, attempt.Error));
    }

    [Fact]
    public async Task FinishAsync_FirstAttemptCompletesUnderAKeyAnOlderJobRetried_DeletesTheOlderRecords()
    {
        postgres.SkipIfMissing();
        var (backend, options) = await ConnectAsync();
        await using var _ = backend;

        // An older job under the key: two attempts that failed, recorded as rows.
        await backend.EnqueueAsync(new Job("work", options.QueueName, "k") { Retries = 2 }, Ct);
        var first = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.Zero), Ct));
        await backend.RetryAsync(first, TimeSpan.Zero, Ct);
        var second = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.Zero), Ct));
        await backend.FinishAsync(second, JobStatus.Failed, Ct);
        Assert.Equal(2L, await ScalarAsync($"SELECT count(*) FROM \"{options.ErrandTablePrefix}attempts\" WHERE key = 'k'"));

        // A new job under the key, whose first attempt completes: the older rows go, the record is its own.
        Assert.True((await backend.EnqueueAsync(new Job("work", options.QueueName, "k"), Ct)).Enqueued);
        var taken = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w2", 1, TimeSpan.Zero), Ct));
        await backend.FinishAsync(taken, JobStatus.Complete, Ct);

        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM \"{options.ErrandTablePrefix}attempts\" WHERE key = 'k'"));
        var attempt = Assert.Single(await backend.GetAttemptsAsync("k", Ct));
        Assert.Equal((1, "w2", JobStatus.Complete), (attempt.Attempt, attempt.WorkerId, attempt.Outcome));
    }

    [Fact]
    public async Task FinishAsync_FirstAttemptFails_StoresItsRow()
    {
        postgres.SkipIfMissing();
        var (backend, options) = await ConnectAsync();
        await using var _ = backend;
        await backend.EnqueueAsync(new Job("work", options.QueueName, "k"), Ct);
        var taken = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.Zero), Ct));
        taken.Error = "boom";

        await backend.FinishAsync(taken, JobStatus.Failed, Ct);

        Assert.Equal("failed", await ScalarAsync($"SELECT string_agg(status, ',') FROM \"{options.ErrandTablePrefix}attempts\" WHERE key = 'k'"));
        var attempt = Assert.Single(await backend.GetAttemptsAsync("k", Ct));
        Assert.Equal((1, JobStatus.Failed, "boom"), (attempt.Attempt, attempt.Outcome, attempt.Error));
    }

    [Fact]
    public async Task FinishAsync_ManyActiveRowsInATableWithoutStatistics_FindsEachRowByItsKeyNotByItsStatus()
    {
        postgres.SkipIfMissing();

        // A new database: SAQ's indexes under their own names, and a table that autovacuum has not analyzed yet (as in
        // the first minute of a queue, or of a benchmark), where the planner once preferred SAQ's (status, queue, ...)
        // indexes to the primary key and read every active row of the queue for each finish.
        var url = await postgres.CreateDatabaseAsync();
        var options = new PostgresBackendOptions { QueueName = "q" };
        const int Rounds = 12;
        const int PerRound = 50;
        await using (var backend = await PostgresQueueBackend.ConnectAsync(url, options, cancellationToken: Ct))
        {
            await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => backend.EnqueueAsync(new Job("work", "q", $"k{i}"), Ct)));
            for (var round = 0; round < Rounds; round++)
            {
                var taken = new List<Job>();
                while (taken.Count < PerRound)
                {
                    taken.AddRange(await backend.DequeueAsync(new DequeueRequest("w", PerRound - taken.Count, TimeSpan.Zero), Ct));
                }

                await Task.WhenAll(taken.Select(job => backend.FinishAsync(job, JobStatus.Complete, Ct)));
            }
        }

        // The backend's sessions have ended, and their statistics come in as each one exits (the updates of a session
        // with its index reads): once every take's and finish's update is counted, so are the finishes' reads.
        const string Reads = """
            SELECT coalesce(sum(idx_tup_read) FILTER (WHERE indexrelname IN ('saq_jobs_status_queue_group_key_idx', 'saq_jobs_status_queue_priority_scheduled_idx')), 0),
                (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'saq_jobs')
            FROM pg_stat_user_indexes WHERE relname = 'saq_jobs'
            """;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        object?[] reads;
        while (true)
        {
            reads = Assert.Single(await postgres.SqlAsync(Reads, url));
            if (Convert.ToInt64(reads[1], CultureInfo.InvariantCulture) >= 2 * Rounds * PerRound || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(100, Ct);
        }

        Assert.Equal("complete:600,queued:1400", (string?)Assert.Single(Assert.Single(await postgres.SqlAsync("SELECT string_agg(status || ':' || n, ',' ORDER BY status) FROM (SELECT status, count(*) AS n FROM saq_jobs GROUP BY status) AS s", url))));
        Assert.True(Convert.ToInt64(reads[1], CultureInfo.InvariantCulture) >= 2 * Rounds * PerRound, $"rows updated (a take and a finish each): {reads[1]}");

        // Each finish finds its row through the primary key; no finish reads SAQ's status indexes (the bad plan read
        // about 25 active rows a finish: some 15,000 index entries).
        var detail = string.Join(", ", (await postgres.SqlAsync("SELECT indexrelname || ' ' || idx_scan || ' scans ' || idx_tup_read || ' read' FROM pg_stat_user_indexes WHERE relname = 'saq_jobs'", url)).Select(r => (string)r[0]!));
        Assert.True(Convert.ToInt64(reads[0], CultureInfo.InvariantCulture) < Rounds * PerRound, $"entries read from SAQ's status indexes: {reads[0]} ({detail})");
    }

    private async Task<object?> ScalarAsync(string sql) => Assert.Single(Assert.Single(await postgres.SqlAsync(sql)));

    private async Task<(PostgresQueueBackend Backend, PostgresBackendOptions Options)> ConnectAsync()
    {
        var options = PostgresServerFixture.IsolatedOptions($"f{Guid.NewGuid():N}");
        return (await PostgresQueueBackend.ConnectAsync(postgres.Url, options, cancellationToken: Ct), options);
    }
}
