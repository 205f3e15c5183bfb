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

    private static Task<IReadOnlyList<Job>> TakeAsync(PostgresQueueBackend backend, int max) =>
        backend.DequeueAsync(new DequeueRequest("w", max, TimeSpan.Zero), Ct);
}
