using System.Diagnostics;
using Errand.AspNetCore;
using Errand.EntityFrameworkCore;
using Errand.Postgres;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Errand.Bench;

/// <summary>
/// Workload E, enqueue in the application's transaction: on PostgreSQL, transactions that each insert a row of the
/// application and enqueue one job on the same connection; on Redis, the EF Core outbox relay draining a backlog.
/// </summary>
internal static class TransactionWorkloads
{
    /// <summary>The application's table of workload E on PostgreSQL: every system inserts one row per transaction.</summary>
    public const string OrdersTable = "CREATE TABLE IF NOT EXISTS bench_orders (id bigserial PRIMARY KEY, item text NOT NULL, created timestamptz NOT NULL DEFAULT now())";

    /// <summary>N transactions, K in flight: BEGIN, INSERT a row, enqueue one job in the transaction, COMMIT.</summary>
    public static async Task TransactionsAsync(string url, Queue queue, int n, int inflight)
    {
        await using var source = NpgsqlDataSource.Create(PostgresConnectionString.Parse(url).ConnectionString);
        await using (var create = source.CreateCommand(OrdersTable))
        {
            await create.ExecuteNonQueryAsync();
        }

        await Protocol.ReadyAsync();
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        var loops = Enumerable.Range(0, inflight).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < n)
            {
                await using var connection = await source.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await using (var insert = new NpgsqlCommand("INSERT INTO bench_orders (item) VALUES ($1)", connection, transaction))
                {
                    insert.Parameters.Add(new NpgsqlParameter { Value = "book" });
                    await insert.ExecuteNonQueryAsync();
                }

                await queue.EnqueueAsync(transaction, "noop");
                await transaction.CommitAsync();
            }
        });
        await Task.WhenAll(loops);
        Protocol.Result(("seconds", Stopwatch.GetElapsedTime(started).TotalSeconds));
    }

    /// <summary>
    /// N jobs committed to a SQLite outbox by an application that is not running (100 per transaction, not timed); then
    /// its host starts and the relay moves them to the Redis queue. Timed from the start to the last row's delete.
    /// </summary>
    public static async Task OutboxRelayAsync(string url, int n)
    {
        var file = Path.Combine(Path.GetTempPath(), $"errand-bench-outbox-{Guid.NewGuid():N}.db");
        try
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            builder.Services.AddErrand(o =>
            {
                o.Queue = "bench";
                o.RunWorker = false;
            }).UseRedis(url).AddEntityFrameworkOutbox<OutboxDb>();
            builder.Services.AddDbContext<OutboxDb>((services, options) => options.UseSqlite($"Data Source={file}").UseErrand(services));
            using var host = builder.Build();
            var queue = host.Services.GetRequiredService<IQueue>();
            await using (var scope = host.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<OutboxDb>();
                await db.Database.EnsureCreatedAsync();
                for (var written = 0; written < n; written += 100)
                {
                    for (var i = written; i < Math.Min(n, written + 100); i++)
                    {
                        await queue.EnqueueAsync(db, "noop");
                    }

                    await db.SaveChangesAsync();
                }
            }

            await using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file}");
            await check.OpenAsync();
            await using var count = check.CreateCommand();
            count.CommandText = "SELECT count(*) FROM errand_outbox";
            await Protocol.ReadyAsync();
            var started = Stopwatch.GetTimestamp();
            await host.StartAsync();

            // The relay tells nothing outside the process when it is done: the outbox is looked at every millisecond.
            while ((long)(await count.ExecuteScalarAsync())! > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System);
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var queued = (await queue.InfoAsync(jobs: 0)).Counts.Queued;
            if (queued != n)
            {
                throw new InvalidOperationException($"the relay emptied the outbox, and the queue holds {queued} jobs, not {n}");
            }

            Protocol.Result(("seconds", seconds));
            await host.StopAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    /// <summary>The application's context of the outbox workload: nothing but Errand's outbox.</summary>
    private sealed class OutboxDb(DbContextOptions<OutboxDb> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddErrandOutbox();
    }
}
