using Errand.Postgres;
using Errand.Postgres.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.EntityFrameworkCore.Tests;

/// <summary>EF Core on PostgreSQL with a PostgreSQL queue in the same database: the job row itself is written in the context's transaction, no outbox.</summary>
public sealed class PostgresSameDatabaseTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private TestHost _app = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        postgres.SkipIfMissing();
        var url = await postgres.CreateDatabaseAsync();
        _app = await TestHost.CreateAsync(errand => errand.UsePostgres(url), options => options.UseNpgsql(PostgresConnectionString.Parse(url).ConnectionString));
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
    public async Task SaveChangesAsync_NoTransaction_WritesTheJobRowWithTheEntity()
    {
        await using var scope = _app.Scope();
        var db = _app.NewContext(scope);
        db.Authors.Add(new Author { Name = "ada" });
        var job = await _app.Queue.EnqueueAsync<MailService>(db, s => s.SendWelcomeAsync("ada", default), cancellationToken: Token);
        Assert.Null(await _app.Queue.GetJobAsync(job.Key, Token));

        await db.SaveChangesAsync(Token);

        await _app.Mailbox.WaitAsync("ada");
        Assert.Equal(JobStatus.Complete, (await _app.Queue.WaitAsync(job.Key, TimeSpan.FromSeconds(30), Token)).Status);
        Assert.Equal(1, _app.Mailbox.Counts["ada"]);
        Assert.Equal(0, await _app.CountOutboxAsync());
    }

    [Fact]
    public async Task EnqueueAsync_InTransaction_RowExistsOnlyAfterCommit()
    {
        await using var scope = _app.Scope();
        var db = _app.NewContext(scope);
        await using var transaction = await db.Database.BeginTransactionAsync(Token);
        db.Authors.Add(new Author { Name = "bea" });
        await db.SaveChangesAsync(Token);
        var job = await _app.Queue.EnqueueAsync(db, "welcome", new WelcomeArgs("bea"), cancellationToken: Token);
        Assert.Null(await _app.Queue.GetJobAsync(job.Key, Token));

        await transaction.CommitAsync(Token);

        await _app.Mailbox.WaitAsync("bea");
        Assert.Equal(1, _app.Mailbox.Counts["bea"]);
        Assert.Equal(0, await _app.CountOutboxAsync());
    }

    [Fact]
    public async Task SaveChangesAsync_DatabaseRefusesTheRow_NoJob()
    {
        await using (var scope = _app.Scope())
        {
            var db = _app.NewContext(scope);
            db.Authors.Add(new Author { Name = "dup" });
            await db.SaveChangesAsync(Token);
        }

        await using (var scope = _app.Scope())
        {
            var db = _app.NewContext(scope);
            db.Authors.Add(new Author { Name = "dup" });
            var job = await _app.Queue.EnqueueAsync<MailService>(db, s => s.SendWelcomeAsync("dup-mail", default), new JobOptions { Key = "dup-mail" }, Token);
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Token));
            Assert.Null(await _app.Queue.GetJobAsync(job.Key, Token));
        }

        Assert.Equal(0, (await _app.Queue.CountAsync(Token)).Queued);
        Assert.False(_app.Mailbox.Counts.ContainsKey("dup-mail"));
    }
}
