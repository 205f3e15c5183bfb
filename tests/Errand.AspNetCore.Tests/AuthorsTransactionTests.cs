using System.Net;
using System.Net.Http.Json;
using Authors;
using Errand.Backends;
using Errand.Redis.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore.Tests;

/// <summary>The Authors sample saves an author and enqueues its e-mail in one transaction: a failure before the commit leaves neither.</summary>
public sealed class AuthorsTransactionTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("memory")]
    [InlineData("redis")]
    public async Task PostAuthor_DatabaseRefusesTheAuthor_NoJobAndNoEmail(string engine)
    {
        await using var host = await StartAsync(engine);
        await RefuseAsync(host, "CREATE TRIGGER refuse BEFORE INSERT ON Authors WHEN NEW.Name = 'Refused' BEGIN SELECT RAISE(ABORT, 'refused'); END");

        var refused = await host.Client.PostAsJsonAsync("/authors", new { name = "Refused" }, Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        await AssertOnlyTheNextAuthorIsMailedAsync(host);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("redis")]
    public async Task PostAuthor_EnqueueFailsAfterTheAuthorWasSaved_AuthorIsRolledBackAndNoEmail(string engine)
    {
        await using var host = await StartAsync(engine);
        await RefuseAsync(host, "CREATE TRIGGER refuse BEFORE INSERT ON errand_outbox WHEN NEW.document LIKE '%Refused%' BEGIN SELECT RAISE(ABORT, 'refused'); END");

        var refused = await host.Client.PostAsJsonAsync("/authors", new { name = "Refused" }, Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        await AssertOnlyTheNextAuthorIsMailedAsync(host);
    }

    private async Task<AuthorsHost> StartAsync(string engine)
    {
        if (engine == "memory")
        {
            return await AuthorsHost.StartAsync();
        }

        redis.SkipIfMissing();
        return await AuthorsHost.StartAsync([$"--Errand:Url={redis.Url}", $"--Errand:Queue=authors-{Guid.NewGuid():N}"]);
    }

    private static async Task RefuseAsync(AuthorsHost host, string trigger)
    {
        await using var scope = host.App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AuthorsDb>().Database.ExecuteSqlRawAsync(trigger, Ct);
    }

    // The outbox is relayed oldest first: once the next author's e-mail has been sent, a job of the refused one would
    // have been relayed too.
    private static async Task AssertOnlyTheNextAuthorIsMailedAsync(AuthorsHost host)
    {
        var (_, job) = await host.CreateAuthorAndWaitAsync("Next Author");
        Assert.Equal(JobStatus.Complete, job.Status);
        var jobs = await host.Queue.ListJobsAsync(new JobQuery(null, 0, 100), Ct);
        Assert.Equal(job.Key, Assert.Single(jobs.Jobs).Key);
        var file = Assert.Single(Directory.GetFiles(host.Outbox, "*.eml"));
        Assert.Contains("Next Author", await File.ReadAllTextAsync(file, Ct), StringComparison.Ordinal);
        var authors = (await host.Client.GetFromJsonAsync<AuthorDto[]>("/authors", Ct))!;
        Assert.Equal(["Next Author"], authors.Select(a => a.Name));
    }
}
