using System.Diagnostics;
using Authors;
using Errand.Redis.Tests;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore.Tests;

/// <summary>
/// The outbox relay of a real <c>Authors worker</c> process, SIGKILLed after it wrote the job to Redis and before it
/// deleted the outbox row: the next relay finds the job under its key and deletes the row without a second job.
/// </summary>
public sealed class AuthorsRelayCrashTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RelayProcessKilledBetweenQueueWriteAndOutboxDelete_NextRelayEnqueuesNothingAndTheEmailIsSentOnce()
    {
        redis.SkipIfMissing();
        var root = AuthorsHost.NewContentRoot();
        var queueName = $"authors-{Guid.NewGuid():N}";
        var database = $"Data Source={Path.Combine(root, "authors.db")};Pooling=False";
        string[] args = ["--contentRoot", root, $"--Errand:Url={redis.Url}", $"--Errand:Queue={queueName}", "--Logging:LogLevel:Default=Warning"];
        Process? first = null, second = null;
        try
        {
            // The request's transaction in a host that is never started: the author and its outbox row commit, no relay runs.
            using var client = await AuthorsApp.BuildWorkerAsync(args);
            await using (var scope = client.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<AuthorService>().CreateAsync(new CreateAuthorRequest("Ada Lovelace"), Ct);
            }

            var queue = client.Services.GetRequiredService<IQueue>();

            // SQLite's write lock, held here: a relay reads the outbox and writes the queue, and its delete then waits.
            await using var writer = new SqliteConnection(database);
            await writer.OpenAsync(Ct);
            await ExecuteAsync(writer, "BEGIN IMMEDIATE");
            var (id, key) = await ReadOutboxRowAsync(writer);

            // The worker process relays the row in its first round and runs the job; then it is killed, still waiting to delete.
            first = AuthorsHost.StartWorkerProcess(root, redis.Url, queueName);
            var done = await queue.WaitAsync(key, TestHosts.Timeout, Ct);
            Assert.Equal(JobStatus.Complete, done.Status);
            Assert.Equal(id, done.Meta["errand_outbox"].GetString());
            Assert.Equal((id, key), await ReadOutboxRowAsync(writer));
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync(Ct);
            await ExecuteAsync(writer, "ROLLBACK");

            // The next relay (a new process) finds the job stored with this row's id and only deletes the row.
            second = AuthorsHost.StartWorkerProcess(root, redis.Url, queueName);
            await WaitForEmptyOutboxAsync(database);
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync(Ct);

            var stored = await queue.GetJobAsync(key, Ct);
            Assert.Equal(JobStatus.Complete, stored!.Status);
            Assert.Equal(1, stored.Attempts);
            Assert.Equal(done.Completed, stored.Completed);
            var email = Assert.Single(Directory.GetFiles(Path.Combine(root, "outbox"), "*.eml"));
            Assert.Contains("Subject: Welcome, Ada Lovelace", await File.ReadAllTextAsync(email, Ct), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var process in new[] { first, second })
            {
                if (process is { HasExited: false })
                {
                    process.Kill(entireProcessTree: true);
                }

                process?.Dispose();
            }

            SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<(string Id, string Key)> ReadOutboxRowAsync(SqliteConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, key FROM errand_outbox";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        var row = (reader.GetString(0), reader.GetString(1));
        Assert.False(await reader.ReadAsync(Ct));
        return row;
    }

    // The relay says nothing outside its process when it deletes a row: the table is looked at until it is empty.
    private static async Task WaitForEmptyOutboxAsync(string database)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TestHosts.Timeout);
        await using var connection = new SqliteConnection(database);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM errand_outbox";
        while ((long)(await command.ExecuteScalarAsync(deadline.Token))! > 0)
        {
            await Task.Delay(50, deadline.Token);
        }
    }
}
