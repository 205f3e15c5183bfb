using Errand.Backends;

namespace Errand.Postgres.Tests;

/// <summary>Limits on PostgreSQL beyond the conformance suite: the limited take's walk, its memory of an empty walk, races between backends, SAQ's group rule kept.</summary>
public sealed class PostgresLimitsTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DequeueAsync_ThousandJobsOfASaturatedFunctionAhead_TakesTheOtherFunctionsJobInOneCall()
    {
        postgres.SkipIfMissing();
        var queueName = $"l{Guid.NewGuid():N}";
        await using var backend = await ConnectAsync(queueName);
        await SetLimitsAsync(backend, l => l.Functions["report"] = new Limit { Concurrency = 1 });
        await EnqueueAsync(backend, queueName, "running", "report");
        Assert.Single(await TakeAsync(backend, 1));
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => backend.EnqueueAsync(new Job("report", queueName, $"r{i}"), Ct)));
        await EnqueueAsync(backend, queueName, "mail", "mail");

        Assert.Equal(["mail"], (await TakeAsync(backend, 1)).Select(j => j.Key));
        Assert.Equal(1000, (await backend.CountAsync(Ct)).Queued);
    }

    [Fact]
    public async Task DequeueAsync_AfterAWalkThatFoundNothing_TakesWhatThisProcessAndAnotherEnqueueSince()
    {
        postgres.SkipIfMissing();
        var queueName = $"l{Guid.NewGuid():N}";
        await using var backend = await ConnectAsync(queueName);
        await using var other = await ConnectAsync(queueName);
        await SetLimitsAsync(backend, l => l.Functions["report"] = new Limit { Concurrency = 1 });
        await EnqueueAsync(backend, queueName, "r0", "report");
        await EnqueueAsync(backend, queueName, "r1", "report");
        Assert.Single(await TakeAsync(backend, 5));
        Assert.Empty(await TakeAsync(backend, 5));

        // This process's own enqueue: the next take walks again at once, without waiting for its notification.
        await EnqueueAsync(backend, queueName, "mine", "mail");
        Assert.Equal(["mine"], (await TakeAsync(backend, 5)).Select(j => j.Key));
        Assert.Empty(await TakeAsync(backend, 5));

        // Another process's enqueue: heard on saq:QUEUE, it wakes the waiting dequeue, which walks again.
        var waiting = backend.DequeueAsync(new DequeueRequest("w", 5, TimeSpan.FromMinutes(5)), Ct);
        await EnqueueAsync(other, queueName, "theirs", "mail");
        Assert.Equal(["theirs"], (await waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Select(j => j.Key));
    }

    [Fact]
    public async Task DequeueAsync_FourBackendsRaceForLimitedFunctionAndKeys_NeverRunMoreThanTheLimits()
    {
        postgres.SkipIfMissing();
        const int Jobs = 120;
        var queueName = $"l{Guid.NewGuid():N}";
        var backends = new List<PostgresQueueBackend>();
        for (var i = 0; i < 4; i++)
        {
            backends.Add(await ConnectAsync(queueName));
        }

        try
        {
            await SetLimitsAsync(backends[0], l =>
            {
                l.Functions["report"] = new Limit { Concurrency = 3 };
                l.Keys = new Limit { Concurrency = 2 };
            });
            await Task.WhenAll(Enumerable.Range(0, Jobs).Select(i =>
                backends[0].EnqueueAsync(new Job(i % 2 == 0 ? "report" : "sync", queueName, $"j{i}") { GroupKey = i % 2 == 0 ? null : $"k{i % 3}" }, Ct)));
            var reports = 0;
            var mostReports = 0;
            var byKey = new int[3];
            var mostByKey = 0;
            var done = 0;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(90));

            // Counted from the take's return to the finish's start: inside the time the store counts the job as running.
            async Task WorkAsync(PostgresQueueBackend backend, int index)
            {
                while (Volatile.Read(ref done) < Jobs)
                {
                    foreach (var job in await backend.DequeueAsync(new DequeueRequest($"w{index}", 3, TimeSpan.FromMilliseconds(200)), deadline.Token))
                    {
                        var key = job.GroupKey is { } k ? k[1] - '0' : -1;
                        if (key < 0)
                        {
                            InterlockedMax(ref mostReports, Interlocked.Increment(ref reports));
                        }
                        else
                        {
                            InterlockedMax(ref mostByKey, Interlocked.Increment(ref byKey[key]));
                        }

                        await Task.Delay(TimeSpan.FromMilliseconds(2), TimeProvider.System, deadline.Token);
                        if (key < 0)
                        {
                            Interlocked.Decrement(ref reports);
                        }
                        else
                        {
                            Interlocked.Decrement(ref byKey[key]);
                        }

                        await backend.FinishAsync(job, JobStatus.Complete, deadline.Token);
                        Interlocked.Increment(ref done);
                    }
                }
            }

            await Task.WhenAll(backends.Select((backend, index) => Task.Run(() => WorkAsync(backend, index), deadline.Token)));

            Assert.Equal(Jobs, done);
            Assert.InRange(mostReports, 1, 3);
            Assert.InRange(mostByKey, 1, 2);
            Assert.All(await backends[0].GetLimitStatesAsync(Ct), s => Assert.Equal((0, 0), (s.Running, s.Held)));
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task DequeueAsync_FunctionLimitsOnly_KeepsSaqsOneRunningJobPerGroup()
    {
        postgres.SkipIfMissing();
        var queueName = $"l{Guid.NewGuid():N}";
        await using var backend = await ConnectAsync(queueName);
        await SetLimitsAsync(backend, l => l.Functions["report"] = new Limit { Concurrency = 5 });
        await backend.EnqueueAsync(new Job("sync", queueName, "a1") { GroupKey = "a" }, Ct);
        await backend.EnqueueAsync(new Job("sync", queueName, "a2") { GroupKey = "a" }, Ct);
        await backend.EnqueueAsync(new Job("sync", queueName, "u1"), Ct);

        Assert.Equal(["a1", "u1"], (await TakeAsync(backend, 10)).Select(j => j.Key));
        Assert.Empty(await TakeAsync(backend, 10));
    }

    [Fact]
    public async Task DequeueAsync_CorruptDocumentOnALimitedQueue_IsTakenForTheSweeperAndHoldsNothingBack()
    {
        postgres.SkipIfMissing();
        var queueName = $"l{Guid.NewGuid():N}";
        var options = PostgresServerFixture.IsolatedOptions(queueName);
        await using var backend = await PostgresQueueBackend.ConnectAsync(postgres.Url, options, cancellationToken: Ct);
        await SetLimitsAsync(backend, l => l.Functions["report"] = new Limit { Concurrency = 1 });
        await EnqueueAsync(backend, queueName, "bad", "report");
        await EnqueueAsync(backend, queueName, "good", "report");
        await postgres.SqlAsync($"UPDATE \"{options.JobsTable}\" SET job = '\\xff00'::bytea WHERE key = $1", null, "bad");

        Assert.Equal(["good"], (await TakeAsync(backend, 5)).Select(j => j.Key));
        Assert.Equal((2L, 0L), ((await backend.CountAsync(Ct)).Active, (await backend.CountAsync(Ct)).Queued));
    }

    [Fact]
    public async Task DequeueAsync_SaturatedFunctionsRowsAsPythonWritesThem_ArePassedOverAndTheOtherFunctionsJobIsTaken()
    {
        postgres.SkipIfMissing();
        var queueName = $"l{Guid.NewGuid():N}";
        var options = PostgresServerFixture.IsolatedOptions(queueName);
        await using var backend = await PostgresQueueBackend.ConnectAsync(postgres.Url, options, cancellationToken: Ct);
        await SetLimitsAsync(backend, l => l.Functions["report"] = new Limit { Concurrency = 1 });
        await EnqueueAsync(backend, queueName, "running", "report");
        Assert.Single(await TakeAsync(backend, 1));

        // Rows as SAQ's json.dumps writes them ("function": "report", a space after the colon), one that begins some
        // other way (read by the pattern), then another function's.
        var nowSeconds = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        async Task InsertAsync(string key, string document) => await postgres.SqlAsync(
            $"INSERT INTO \"{options.JobsTable}\" (key, job, queue, status, priority, group_key, scheduled) VALUES ($1, $2, $3, 'queued', 0, NULL, $4)",
            null,
            key,
            System.Text.Encoding.UTF8.GetBytes(document),
            queueName,
            nowSeconds);
        string Document(string function, string key, string start = "{\"function\": ") =>
            $$"""{{start}}"{{function}}", "kwargs": {}, "queue": "{{queueName}}", "key": "{{key}}", "timeout": 10, "retries": 1, "ttl": 600, "queued": {{nowSeconds * 1000}}, "status": "queued"}""";
        for (var i = 0; i < 100; i++)
        {
            await InsertAsync($"p{i}", Document("report", $"p{i}"));
        }

        await InsertAsync("spaced", Document("report", "spaced", "{ \"function\" :  "));
        await InsertAsync("mail", Document("mail", "mail"));

        Assert.Equal(["mail"], (await TakeAsync(backend, 1)).Select(j => j.Key));
        Assert.Empty(await TakeAsync(backend, 5));
        Assert.Equal(101, (await backend.CountAsync(Ct)).Queued);
    }

    [Fact]
    public async Task DequeueAsync_AfterATakeThatFilledItsLimitAndFoundNothingMore_TakesWhatIsEnqueuedOrFreedSince()
    {
        postgres.SkipIfMissing();
        var queueName = $"l{Guid.NewGuid():N}";
        await using var backend = await ConnectAsync(queueName);
        await using var other = await ConnectAsync(queueName);
        await SetLimitsAsync(backend, l => l.Functions["report"] = new Limit { Concurrency = 2 });
        for (var i = 0; i < 40; i++)
        {
            await EnqueueAsync(backend, queueName, $"r{i:D2}", "report");
        }

        // The take turns rows down as the limit fills, walks again past the function, and finds nothing more.
        var first = await TakeAsync(backend, 5);
        Assert.Equal(["r00", "r01"], first.Select(j => j.Key));
        Assert.Empty(await TakeAsync(backend, 5));

        // Another process's enqueue, heard, wakes the waiting dequeue, which walks again.
        var waiting = backend.DequeueAsync(new DequeueRequest("w", 5, TimeSpan.FromMinutes(5)), Ct);
        await EnqueueAsync(other, queueName, "mail", "mail");
        Assert.Equal(["mail"], (await waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Select(j => j.Key));

        // A slot freed (in another process): the function is no longer blocked, and its next job is taken.
        await other.FinishAsync(first[0], JobStatus.Complete, Ct);
        Assert.Equal(["r02"], (await TakeAsync(backend, 5)).Select(j => j.Key));
        Assert.Empty(await TakeAsync(backend, 5));
    }

    private async Task<PostgresQueueBackend> ConnectAsync(string queueName) =>
        await PostgresQueueBackend.ConnectAsync(postgres.Url, PostgresServerFixture.IsolatedOptions(queueName), cancellationToken: Ct);

    private static async Task SetLimitsAsync(PostgresQueueBackend backend, Action<QueueLimits> configure)
    {
        var limits = new QueueLimits();
        configure(limits);
        await backend.SetLimitsAsync(limits, Ct);
    }

    private static async Task EnqueueAsync(PostgresQueueBackend backend, string queueName, string key, string function) =>
        Assert.True((await backend.EnqueueAsync(new Job(function, queueName, key), Ct)).Enqueued);

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var before && before != seen)
        {
            seen = before;
        }
    }

    private static Task<IReadOnlyList<Job>> TakeAsync(PostgresQueueBackend backend, int max) =>
        backend.DequeueAsync(new DequeueRequest("w", max, TimeSpan.Zero), Ct);
}
