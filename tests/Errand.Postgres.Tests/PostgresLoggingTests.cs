using Errand.Backends;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Errand.Postgres.Tests;

/// <summary>What a PostgreSQL queue writes to an application's log at the usual level (Information).</summary>
public sealed class PostgresLoggingTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task ConnectAsync_LogAtInformation_NpgsqlCommandsAreNotLoggedButErrandsLinesAre()
    {
        postgres.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var url = await postgres.CreateDatabaseAsync();
        using var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(provider));

        // Both ways in: the queue's own data source, and the store that the URL scheme map opens (worker host, Quickstart, AddErrand).
        await using (var queue = await PostgresQueueFactory.ConnectAsync(url, "direct", loggerFactory: factory, cancellationToken: ct))
        {
            await queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: ct);
        }

        await using (var store = await PostgresQueueStoreProvider.Instance.ConnectAsync(url, new QueueStoreOptions { LoggerFactory = factory }, ct))
        {
            await using var queue = new Queue(await store.OpenBackendAsync("viastore", ct));
            await queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: ct);
            await queue.ListJobsAsync(new JobQuery(JobStatus.Queued), ct);
        }

        // Npgsql logs each command at Information: a worker polling and listening would flood the log with SQL.
        var records = provider.Collector.GetSnapshot();
        Assert.DoesNotContain(records, r => r.Category is { } category && category.StartsWith("Npgsql", StringComparison.Ordinal) && r.Level == LogLevel.Information);
        Assert.Equal(2, records.Count(r => r.Id.Id == 4001));
    }
}
