using System.Diagnostics;
using System.Transactions;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace Errand.Bench.Hangfire;

/// <summary>The PostgreSQL storage of the Hangfire peer (<c>--url postgresql://USER@HOST:PORT/DB</c>).</summary>
internal static class BenchStorage
{
    public static JobStorage Create(Dictionary<string, string> options)
    {
        var connectionString = ConnectionString(options);
        var storageOptions = new PostgreSqlStorageOptions
        {
            // The smallest interval it takes without AllowUnsafeValues (default 15 s): below 50 ms it throws.
            // EnableLongPolling (LISTEN/NOTIFY) stays off, its default: with it on, a fetched job sometimes was not run
            // (bench/README.md, "PostgreSQL"), and C's latency was no lower.
            QueuePollInterval = TimeSpan.FromMilliseconds(50),

            // Its documented way into the application's transaction: an ambient TransactionScope.
            EnableTransactionScopeEnlistment = true,
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
    }

    /// <summary>
    /// Workload E: N transactions, K in flight, each inserting a row of the application and enqueuing one job in one
    /// <see cref="TransactionScope"/>. The application's connection is closed before Hangfire opens its own with the
    /// same connection string, so Npgsql hands Hangfire the same physical connection, enlisted in the same
    /// transaction (two connections would need a prepared transaction, which the harness's server does not allow).
    /// </summary>
    public static async Task TransactionsAsync(Dictionary<string, string> options, IBackgroundJobClient client, int n, int inflight)
    {
        var connectionString = ConnectionString(options);
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS bench_orders (id bigserial PRIMARY KEY, item text NOT NULL, created timestamptz NOT NULL DEFAULT now())", connection);
            create.ExecuteNonQuery();
        }

        await Protocol.ReadyAsync();
        var next = -1;
        var started = Stopwatch.GetTimestamp();

        // Hangfire's client API is synchronous: K threads, each running one transaction at a time.
        var threads = Enumerable.Range(0, inflight).Select(_ => Task.Factory.StartNew(
            () =>
            {
                while (Interlocked.Increment(ref next) < n)
                {
                    using var scope = new TransactionScope(TransactionScopeOption.Required, new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted });
                    using (var connection = new NpgsqlConnection(connectionString))
                    {
                        connection.Open();
                        using var insert = new NpgsqlCommand("INSERT INTO bench_orders (item) VALUES ($1)", connection);
                        insert.Parameters.Add(new NpgsqlParameter { Value = "book" });
                        insert.ExecuteNonQuery();
                    }

                    client.Enqueue(() => BenchJobs.Noop());
                    scope.Complete();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(threads);
        Protocol.Result(("seconds", Stopwatch.GetElapsedTime(started).TotalSeconds));
    }

    private static string ConnectionString(Dictionary<string, string> options)
    {
        var url = new Uri(options["url"]);
        return $"Host={url.Host};Port={url.Port};Username={Uri.UnescapeDataString(url.UserInfo)};Database={url.AbsolutePath.TrimStart('/')}";
    }
}
