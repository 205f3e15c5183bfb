using Errand.Backends;
using Npgsql;

namespace Errand.Postgres.Tests;

/// <summary>Pooled connections go back without a session reset (No Reset On Close): none may carry a queue's state to the next user.</summary>
public sealed class PostgresPooledConnectionTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task DisposeAsync_QueueOfAnOpenStore_ItsListeningConnectionGoesBackListeningToNothing()
    {
        postgres.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var url = await postgres.CreateDatabaseAsync();
        await using var store = await PostgresQueueStoreProvider.Instance.ConnectAsync(url, new QueueStoreOptions(), ct);
        await using (var backend = await store.OpenBackendAsync("listened", ct))
        {
            Assert.Equal(1, await CountSessionsAsync(url, "LISTEN %", ct));
        }

        // The store and its pool are still open: the connection that listened is idle in the pool, its last statement UNLISTEN.
        Assert.Equal(0, await CountSessionsAsync(url, "LISTEN %", ct));
        Assert.Equal(1, await CountSessionsAsync(url, "UNLISTEN *", ct));
    }

    // Sessions of the test's database other than this one whose last statement is like the pattern.
    private static async Task<long> CountSessionsAsync(string url, string like, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(PostgresConnectionString.Parse(url).ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE $1",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = like });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
