namespace Errand.Postgres.Tests;

/// <summary>SAQ's schema migrations: made once, shared, and never run against a newer schema.</summary>
public sealed class PostgresMigrationTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task ConnectAsync_EmptyDatabase_MigratesToVersionThreeWithSaqsIndexes()
    {
        postgres.SkipIfMissing();
        var url = await postgres.CreateDatabaseAsync();

        await using (await PostgresQueueBackend.ConnectAsync(url, new PostgresBackendOptions(), cancellationToken: TestContext.Current.CancellationToken))
        {
        }

        Assert.Equal(3, Assert.Single(await postgres.SqlAsync("SELECT version FROM saq_versions", url))[0]);
        var indexes = (await postgres.SqlAsync("SELECT indexname FROM pg_indexes WHERE tablename IN ('saq_jobs', 'saq_stats')", url)).Select(r => (string)r[0]!).ToList();
        Assert.Contains("saq_jobs_status_queue_group_key_idx", indexes);
        Assert.Contains("saq_jobs_status_queue_priority_scheduled_idx", indexes);
        Assert.Contains("saq_stats_expire_at_idx", indexes);
        Assert.Contains("saq_stats_queue_key_idx", indexes);
        Assert.DoesNotContain("saq_jobs_dequeue_idx", indexes);
    }

    [Fact]
    public async Task ConnectAsync_SeveralBackendsAtOnce_MigrateOnceAndAllConnect()
    {
        postgres.SkipIfMissing();
        var url = await postgres.CreateDatabaseAsync();

        var backends = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            PostgresQueueBackend.ConnectAsync(url, new PostgresBackendOptions { QueueName = $"q{i}" }, cancellationToken: TestContext.Current.CancellationToken)));
        foreach (var backend in backends)
        {
            await backend.DisposeAsync();
        }

        Assert.Equal(3, Assert.Single(await postgres.SqlAsync("SELECT version FROM saq_versions", url))[0]);
    }

    [Fact]
    public async Task ConnectAsync_SchemaNewerThanTheCode_IsRefusedNamingBothVersions()
    {
        postgres.SkipIfMissing();
        var url = await postgres.CreateDatabaseAsync();
        await postgres.SqlAsync("CREATE TABLE saq_versions (version INT); INSERT INTO saq_versions VALUES (4)", url);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            PostgresQueueBackend.ConnectAsync(url, new PostgresBackendOptions(), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("version 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("version 3", error.Message, StringComparison.Ordinal);
        Assert.Empty(await postgres.SqlAsync("SELECT 1 FROM pg_tables WHERE tablename = 'saq_jobs'", url));
    }

    [Fact]
    public async Task ConnectAsync_NoServerThere_ThrowsBackendUnavailableWithoutThePassword()
    {
        postgres.SkipIfMissing();
        var url = $"postgresql://errand:s3cret@127.0.0.1:{PostgresServer.FreePort()}/nowhere";

        var error = await Assert.ThrowsAsync<BackendUnavailableException>(() =>
            PostgresQueueBackend.ConnectAsync(url, new PostgresBackendOptions(), cancellationToken: TestContext.Current.CancellationToken));

        Assert.StartsWith("postgresql://127.0.0.1:", error.Endpoint, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Endpoint, StringComparison.Ordinal);
    }
}
