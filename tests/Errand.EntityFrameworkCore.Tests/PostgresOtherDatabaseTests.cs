using Errand.Postgres;
using Errand.Postgres.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.EntityFrameworkCore.Tests;

/// <summary>
/// EF Core on one PostgreSQL database, the queue in another: the job row cannot join the context's transaction, so it
/// goes through the outbox, as on Redis.
/// </summary>
public sealed class PostgresOtherDatabaseTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private TestHost _app = null!;
    private string _queueUrl = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        postgres.SkipIfMissing();
        var appUrl = await postgres.CreateDatabaseAsync();
        _queueUrl = await postgres.CreateDatabaseAsync();
        _app = await TestHost.CreateAsync(errand => errand.UsePostgres(_queueUrl), options => options.UseNpgsql(PostgresConnectionString.Parse(appUrl).ConnectionString));
        await _app.Host.StartAsync(Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task CommitAsync_QueueInAnotherDatabase_JobIsInTheQueueWhenItReturnsAndTheOutboxIsEmpty()
    {
        await using var scope = _app.Scope();
        var db = _app.NewContext(scope);
        await using var transaction = await db.Database.BeginTransactionAsync(Token);
        db.Authors.Add(new Author { Name = "cy" });
        await db.SaveChangesAsync(Token);
        var job = await _app.Queue.EnqueueAsync(db, "welcome", new WelcomeArgs("cy"), cancellationToken: Token);
        Assert.Null(await _app.Queue.GetJobAsync(job.Key, Token));

        await transaction.CommitAsync(Token);

        // The awaited commit returns once the relay has run: the job is in the other database's queue.
        Assert.NotNull(await _app.Queue.GetJobAsync(job.Key, Token));
        await _app.Mailbox.WaitAsync("cy");
        Assert.Equal(1, _app.Mailbox.Counts["cy"]);
        Assert.Equal(0, await _app.CountOutboxAsync());
        Assert.Equal(1L, Assert.Single(Assert.Single(await postgres.SqlAsync("SELECT count(*) FROM saq_jobs", _queueUrl))));
    }

    [Fact]
    public async Task EnqueueAsync_AThousandTransactionsEachWithOneJob_EveryJobRunsOnce()
    {
        const int Transactions = 1_000;
        var keys = new List<string>();
        for (var i = 0; i < Transactions; i++)
        {
            await using var scope = _app.Scope();
            var db = _app.NewContext(scope);
            await using var transaction = await db.Database.BeginTransactionAsync(Token);
            db.Authors.Add(new Author { Name = $"a{i}" });
            await db.SaveChangesAsync(Token);
            keys.Add((await _app.Queue.EnqueueAsync(db, "welcome", new WelcomeArgs($"a{i}"), cancellationToken: Token)).Key);
            await transaction.CommitAsync(Token);
        }

        var ended = await Task.WhenAll(keys.Select(key => _app.Queue.WaitAsync(key, TimeSpan.FromSeconds(60), Token)));

        Assert.All(ended, job => Assert.Equal(JobStatus.Complete, job.Status));
        Assert.Equal(Transactions, _app.Mailbox.Counts.Count);
        Assert.All(_app.Mailbox.Counts.Values, count => Assert.Equal(1, count));
        Assert.Equal(0, await _app.CountOutboxAsync());
    }
}
