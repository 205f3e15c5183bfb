using Errand.Redis.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Errand.EntityFrameworkCore.Tests;

/// <summary>The outbox on SQLite (a file) with a Redis queue: jobs exist if and only if the context's changes commit.</summary>
public sealed class OutboxRedisTests(RedisServerFixture redis) : IAsyncLifetime
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"errand-ef-{Guid.NewGuid():N}.db");
    private TestHost _app = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        redis.SkipIfMissing();
        _app = await TestHost.CreateAsync(errand => errand.UseRedis(redis.Url), options => options.UseSqlite($"Data Source={_file};Pooling=False"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        File.Delete(_file);
    }

    [Fact]
    public async Task EnqueueAsync_NoTransaction_SavedWithTheEntityAndRelayedAtCommit()
    {
        await _app.Host.StartAsync(Token);
        await using var scope = _app.Scope();
        var db = _app.NewContext(scope);
        db.Authors.Add(new Author { Name = "ada" });
        var job = await _app.Queue.EnqueueAsync<MailService>(db, s => s.SendWelcomeAsync("ada", default), cancellationToken: Token);
        Assert.Equal(0, await _app.CountOutboxAsync());

        await db.SaveChangesAsync(Token);

        // The periodic pass is an hour away: only the commit's signal can have relayed it.
        await _app.Mailbox.WaitAsync("ada");
        var done = await _app.Queue.WaitAsync(job.Key, TimeSpan.FromSeconds(30), Token);
        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(1, _app.Mailbox.Counts["ada"]);
    }

    [Fact]
    public async Task EnqueueAsync_TransactionRolledBack_NoJob()
    {
        await _app.Host.StartAsync(Token);
        await using var scope = _app.Scope();
        var db = _app.NewContext(scope);
        Job ghost;
        await using (var transaction = await db.Database.BeginTransactionAsync(Token))
        {
            db.Authors.Add(new Author { Name = "ghost" });
            await db.SaveChangesAsync(Token);
            ghost = await _app.Queue.EnqueueAsync<MailService>(db, s => s.SendWelcomeAsync("ghost", default), cancellationToken: Token);
            await transaction.RollbackAsync(Token);
        }

        await AssertNoJobAsync(ghost, "ghost");
    }

    [Fact]
    public async Task EnqueueAsync_ExceptionBetweenSaveAndCommit_NoJob()
    {
        await _app.Host.StartAsync(Token);
        Job lost = null!;
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var scope = _app.Scope();
            var db = _app.NewContext(scope);
            await using var transaction = await db.Database.BeginTransactionAsync(Token);
            db.Authors.Add(new Author { Name = "lost" });
            lost = await _app.Queue.EnqueueAsync(db, "welcome", new WelcomeArgs("lost"), cancellationToken: Token);
            await db.SaveChangesAsync(Token);
            throw new InvalidOperationException("the request failed before the commit");
        });

        await AssertNoJobAsync(lost, "lost");
    }

    [Fact]
    public async Task SaveChangesAsync_DatabaseRefusesTheRow_NoJobAndNoEmail()
    {
        await _app.Host.StartAsync(Token);
        await using (var scope = _app.Scope())
        {
            var db = _app.NewContext(scope);
            db.Authors.Add(new Author { Name = "dup" });
            await db.SaveChangesAsync(Token);
        }

        Job refused;
        await using (var scope = _app.Scope())
        {
            var db = _app.NewContext(scope);
            db.Authors.Add(new Author { Name = "dup" });
            refused = await _app.Queue.EnqueueAsync<MailService>(db, s => s.SendWelcomeAsync("dup-mail", default), cancellationToken: Token);
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Token));
        }

        await AssertNoJobAsync(refused, "dup-mail");
    }

    [Fact]
    public async Task RelayOnceAsync_RelayDiedAfterTheQueueWriteAndTheJobFinished_DoesNotEnqueueItAgain()
    {
        // Host not started: no relay runs but the one this test drives.
        await using (var scope = _app.Scope())
        {
            var db = _app.NewContext(scope);
            await _app.Queue.EnqueueAsync(db, "welcome", new WelcomeArgs("once"), new JobOptions { Key = "once" }, Token);
            await db.SaveChangesAsync(Token);
        }

        // What a relay did before it was killed: the queue write, not the outbox delete.
        await using (var scope = _app.Scope())
        {
            var row = await _app.NewContext(scope).Outbox.SingleAsync(Token);
            await ((Queue)_app.Queue).EnqueueAsync(Backends.JobDocument.Deserialize(System.Text.Encoding.UTF8.GetBytes(row.Document), row.Key, row.Queue), Token);
        }

        using (var worker = new Worker(((Queue)_app.Queue), new JobFunctions().Add<WelcomeArgs>("welcome", (args, _) =>
        {
            _app.Mailbox.Send(args.Name);
            return Task.CompletedTask;
        })))
        {
            using var stop = new CancellationTokenSource();
            var run = Task.Run(() => worker.RunAsync(stop.Token), Token);
            await _app.Queue.WaitAsync("once", TimeSpan.FromSeconds(30), Token);
            await stop.CancelAsync();
            await run;
        }

        var relay = _app.Host.Services.GetServices<IHostedService>().OfType<ErrandOutboxRelay<ShopDb>>().Single();
        await relay.RelayOnceAsync(Token);

        Assert.Equal(0, await _app.CountOutboxAsync());
        Assert.Equal(JobStatus.Complete, (await _app.Queue.GetJobAsync("once", Token))!.Status);
        Assert.Equal(1, _app.Mailbox.Counts["once"]);
    }

    // A job committed after the one under test: the relay goes oldest first, so once it has run, an outbox row of the
    // job under test would have been relayed too.
    private async Task AssertNoJobAsync(Job job, string mail)
    {
        await using (var scope = _app.Scope())
        {
            var db = _app.NewContext(scope);
            await using var transaction = await db.Database.BeginTransactionAsync(Token);
            db.Authors.Add(new Author { Name = "after" });
            await db.SaveChangesAsync(Token);
            await _app.Queue.EnqueueAsync<MailService>(db, s => s.SendWelcomeAsync("after", default), cancellationToken: Token);
            await transaction.CommitAsync(Token);
        }

        await _app.Mailbox.WaitAsync("after");
        Assert.Null(await _app.Queue.GetJobAsync(job.Key, Token));
        Assert.False(_app.Mailbox.Counts.ContainsKey(mail));
        await using (var scope = _app.Scope())
        {
            Assert.False(await _app.NewContext(scope).Authors.AnyAsync(a => a.Name == "ghost" || a.Name == "lost", Token));
        }
    }
}
