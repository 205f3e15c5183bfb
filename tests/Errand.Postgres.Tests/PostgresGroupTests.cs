using Errand.Backends;

namespace Errand.Postgres.Tests;

/// <summary>Group keys: one active job per group, and jobs without a group are never held back by grouped ones.</summary>
public sealed class PostgresGroupTests(PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DequeueAsync_GroupedJobsActive_TakesUngroupedJobsAndNeverTwoOfAGroup()
    {
        postgres.SkipIfMissing();
        var queueName = $"g{Guid.NewGuid():N}";
        await using var backend = await PostgresQueueBackend.ConnectAsync(postgres.Url, PostgresServerFixture.IsolatedOptions(queueName), cancellationToken: Ct);
        foreach (var (key, group) in new (string, string?)[] {("a1", "a"), ("a2", "a"), ("b1", "b"), ("u1", null), ("a3", "a") })
        {
            Assert.True((await backend.EnqueueAsync(new Job("work", queueName, key) { GroupKey = group }, Ct)).Enqueued);
        }

        var first = await TakeAsync(backend, 10);
        Assert.Equal(["a1", "b1", "u1"], first.Select(j => j.Key).Order(StringComparer.Ordinal));

        // Group a is busy: a new ungrouped job is still taken, a2 is not.
        await backend.EnqueueAsync(new Job("work", queueName, "u2"), Ct);
        Assert.Equal(["u2"], (await TakeAsync(backend, 10)).Select(j => j.Key));

        await backend.FinishAsync(first.Single(j => j.Key == "a1"), JobStatus.Complete, Ct);
        Assert.Equal(["a2"], (await TakeAsync(backend, 10)).Select(j => j.Key));
        Assert.Empty(await TakeAsync(backend, 10));
    }

    [Fact]
    public async Task DequeueAsync_FourWorkersRaceForOneGroup_NeverTwoOfItRunAtOnce()
    {
        postgres.SkipIfMissing();
        const int Jobs = 60;
        var queueName = $"r{Guid.NewGuid():N}";
        var options = PostgresServerFixture.IsolatedOptions(queueName);
        var backends = new List<PostgresQueueBackend>();
        for (var i = 0; i < 4; i++)
        {
            backends.Add(await PostgresQueueBackend.ConnectAsync(postgres.Url, options, cancellationToken: Ct));
        }

        try
        {
            for (var i = 0; i < Jobs; i++)
            {
                await backends[0].EnqueueAsync(new Job("work", queueName, $"j{i}") { GroupKey = "customer-1" }, Ct);
            }

            var running = 0;
            var most = 0;
            var done = 0;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(60));
            async Task WorkAsync(PostgresQueueBackend backend, int index)
            {
                while (Volatile.Read(ref done) < Jobs)
                {
                    foreach (var job in await backend.DequeueAsync(new DequeueRequest($"w{index}", 2, TimeSpan.Zero), deadline.Token))
                    {
                        var now = Interlocked.Increment(ref running);
                        InterlockedMax(ref most, now);
                        await Task.Yield();
                        Interlocked.Decrement(ref running);
                        await backend.FinishAsync(job, JobStatus.Complete, deadline.Token);
                        Interlocked.Increment(ref done);
                    }
                }
            }

            await Task.WhenAll(backends.Select((backend, index) => Task.Run(() => WorkAsync(backend, index), deadline.Token)));

            Assert.Equal((Jobs, 1), (done, most));
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
    public async Task DequeueAsync_LowerPriorityFirst_ThenBySchedule()
    {
        postgres.SkipIfMissing();
        var queueName = $"p{Guid.NewGuid():N}";
        await using var backend = await PostgresQueueBackend.ConnectAsync(postgres.Url, PostgresServerFixture.IsolatedOptions(queueName), cancellationToken: Ct);
        await backend.EnqueueAsync(new Job("work", queueName, "late") { Priority = 5 }, Ct);
        await backend.EnqueueAsync(new Job("work", queueName, "urgent") { Priority = 0 }, Ct);
        await backend.EnqueueAsync(new Job("work", queueName, "normal") { Priority = 1 }, Ct);

        Assert.Equal(["urgent", "normal", "late"], (await TakeAsync(backend, 10)).Select(j => j.Key));
    }

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
