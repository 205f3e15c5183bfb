using Errand.Backends;

namespace Errand.Postgres.Tests;

/// <summary>With a poll interval (PgBouncer in transaction mode), idle dequeues poll instead of listening.</summary>
public sealed class PostgresPollingTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task DequeueAsync_PollInterval_TakesAJobEnqueuedByAnotherProcessAtTheNextPoll()
    {
        postgres.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var queueName = $"poll{Guid.NewGuid():N}";
        var options = PostgresServerFixture.IsolatedOptions(queueName);
        options.PollInterval = TimeSpan.FromMilliseconds(100);
        await using var polling = await PostgresQueueBackend.ConnectAsync(postgres.Url, options, cancellationToken: ct);
        await using var other = await PostgresQueueBackend.ConnectAsync(postgres.Url, PostgresServerFixture.IsolatedOptions(queueName), cancellationToken: ct);
        Assert.Equal(BackendCapabilities.Durable | BackendCapabilities.Limits, polling.Capabilities);

        var waiting = polling.DequeueAsync(new DequeueRequest("w", 1, TimeSpan.FromSeconds(30)), ct);
        await other.EnqueueAsync(new Job("work", queueName, "polled"), ct);

        var job = Assert.Single(await waiting.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Equal("polled", job.Key);
    }
}
