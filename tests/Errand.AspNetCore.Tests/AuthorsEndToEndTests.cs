using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Authors;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;
using Errand.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore.Tests;

/// <summary>The Authors sample end to end, on Kestrel: POST an author, the e-mail job runs, the .eml names the author (in memory with Errand.Testing, on Redis and PostgreSQL with the hosted worker).</summary>
public sealed class AuthorsEndToEndTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostAuthor_InMemoryQueue_EmailJobCompletesAndEmlNamesTheAuthor()
    {
        // Errand.Testing: no hosted worker and a fake clock; the test runs the e-mail job itself, with no wait.
        await using var host = await AuthorsHost.StartAsync(configure: b => b.Services.AddErrandTesting());
        var errand = host.App.Services.GetRequiredService<ErrandTester>();

        var response = await host.Client.PostAsJsonAsync("/authors", new { name = "Ada Lovelace" }, Ct);
        var author = (await response.Content.ReadFromJsonAsync<AuthorDto>(Ct))!;
        var enqueued = await errand.AssertEnqueuedAsync<AuthorService>(s => s.SendAuthorCreatedEmailAsync(Arg.Is<AuthorDto>(a => a.Id == author.Id), default), Ct);
        var outboxBefore = Directory.Exists(host.Outbox);
        var job = Assert.Single(await errand.DrainAsync(Ct));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(outboxBefore);
        Assert.Equal(enqueued.Key, job.Key);
        Assert.Equal(JobStatus.Complete, job.Status);
        AssertEmailNames(host.Outbox, "Ada Lovelace");
        Assert.Equal(author, await host.Client.GetFromJsonAsync<AuthorDto>($"/authors/{author.Id}", Ct));
        Assert.Contains(author, (await host.Client.GetFromJsonAsync<AuthorDto[]>("/authors", Ct))!);
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("postgresql")]
    public async Task Monitor_BasicAuthConfigured_DashboardShowsTheCompletedEmailJobOnlyToThatUser(string engine)
    {
        string[] store = engine == "memory" ? [] : [$"--Errand:Url={await StoreUrlAsync(engine)}"];
        await using var host = await AuthorsHost.StartAsync(["--Dashboard:User=ops", "--Dashboard:Password=s3cret", .. store]);
        var (_, job) = await host.CreateAuthorAndWaitAsync("Grace Hopper");

        var anonymous = await host.Client.GetAsync("/monitor/api/queues", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/monitor/api/queues/{job.Queue}/jobs?status=complete");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("ops:s3cret"u8.ToArray()));
        var page = await (await host.Client.SendAsync(request, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains(page.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("key").GetString() == job.Key);
    }

    [Fact]
    public async Task PostAuthor_NoName_ReturnsValidationProblemDetails()
    {
        await using var host = await AuthorsHost.StartAsync(["--Errand:RunWorker=false"]);

        var response = await host.Client.PostAsJsonAsync("/authors", new { name = " ", email = "not-an-address" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
        Assert.Equal(0, (await host.Queue.CountAsync(Ct)).Incomplete);
    }

    [Fact]
    public async Task GetAuthor_Unknown_Returns404ProblemDetails()
    {
        await using var host = await AuthorsHost.StartAsync(["--Errand:RunWorker=false"]);

        var response = await host.Client.GetAsync(new Uri("/authors/4242", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task PostAuthor_SmtpHostConfigured_SendsTheEmailThroughSmtp()
    {
        using var smtp = new SmtpSink();
        await using var host = await AuthorsHost.StartAsync(["--Email:SmtpHost=127.0.0.1", $"--Email:SmtpPort={smtp.Port}"]);

        var (_, job) = await host.CreateAuthorAndWaitAsync("Hedy Lamarr");
        var message = await smtp.Message.WaitAsync(TestHosts.Timeout, Ct);

        Assert.Equal(JobStatus.Complete, job.Status);
        Assert.Contains("Subject: Welcome, Hedy Lamarr", message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(host.Outbox));
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task PostAuthor_SharedStore_InProcessWorker_EmailJobCompletesAndHealthIsHealthy(string engine)
    {
        var url = await StoreUrlAsync(engine);
        var queueName = $"authors-{Guid.NewGuid():N}";
        await using var host = await AuthorsHost.StartAsync([$"--Errand:Url={url}", $"--Errand:Queue={queueName}"]);

        var (_, job) = await host.CreateAuthorAndWaitAsync("Grace Hopper");
        var health = await host.Client.GetAsync(new Uri("/health", UriKind.Relative), Ct);

        Assert.Equal(JobStatus.Complete, job.Status);
        Assert.True(job.Meta.ContainsKey("errand_outbox"));     // the authors are in SQLite: the job came through the outbox
        Assert.IsType(engine == "redis" ? typeof(Redis.RedisQueueBackend) : typeof(Postgres.PostgresQueueBackend), ((Queue)host.Queue).Backend);
        AssertEmailNames(host.Outbox, "Grace Hopper");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync(Ct));
        if (engine == "postgresql")
        {
            // Errand:Url of postgres with UsePostgres(): the job is a row of SAQ's table, in SAQ's shape.
            var row = Assert.Single(await postgres.SqlAsync("SELECT queue, status, job FROM saq_jobs WHERE key = $1", url, job.Key));
            Assert.Equal(queueName, row[0]);
            Assert.Equal("complete", row[1]);
            using var document = JsonDocument.Parse((byte[])row[2]!);
            Assert.Equal(job.Function, document.RootElement.GetProperty("function").GetString());
        }
    }

    [Fact]
    public async Task PostAuthor_PostgresForTheAuthorsAndTheQueue_AuthorAndJobRowCommitTogetherAndTheEmailIsSent()
    {
        postgres.SkipIfMissing();
        var url = await postgres.CreateDatabaseAsync();
        var queueName = $"authors-{Guid.NewGuid():N}";
        var authors = Postgres.PostgresConnectionString.Parse(url).ConnectionString;
        await using var host = await AuthorsHost.StartAsync([$"--Errand:Url={url}", $"--Errand:Queue={queueName}", $"--ConnectionStrings:Authors={authors}"]);

        var (_, job) = await host.CreateAuthorAndWaitAsync("Katherine Johnson");

        // One database: the author's row and the job's row were written in one transaction, and nothing went through the outbox.
        Assert.Equal(JobStatus.Complete, job.Status);
        AssertEmailNames(host.Outbox, "Katherine Johnson");
        Assert.Equal("Katherine Johnson", Assert.Single(Assert.Single(await postgres.SqlAsync("SELECT \"Name\" FROM \"Authors\"", url))));
        Assert.Equal("complete", Assert.Single(Assert.Single(await postgres.SqlAsync("SELECT status FROM saq_jobs WHERE key = $1", url, job.Key))));
        Assert.False(job.Meta.ContainsKey("errand_outbox"));    // a relayed job carries its outbox row's id
        Assert.Equal(0L, Assert.Single(Assert.Single(await postgres.SqlAsync("SELECT count(*) FROM errand_outbox", url))));
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task PostAuthor_SharedStore_WorkerInSeparateProcess_EmailJobCompletesAndHealthIsHealthy(string engine)
    {
        var url = await StoreUrlAsync(engine);
        var queueName = $"authors-{Guid.NewGuid():N}";
        var contentRoot = AuthorsHost.NewContentRoot();
        await using var host = await AuthorsHost.StartAsync([$"--Errand:Url={url}", $"--Errand:Queue={queueName}", "--Errand:RunWorker=false"], contentRoot: contentRoot);
        using var worker = AuthorsHost.StartWorkerProcess(contentRoot, url, queueName);
        try
        {
            var (_, job) = await host.CreateAuthorAndWaitAsync("Katherine Johnson");
            var health = await host.Client.GetStringAsync(new Uri("/health", UriKind.Relative), Ct);

            Assert.Equal(JobStatus.Complete, job.Status);
            Assert.Equal("Healthy", health);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync(CancellationToken.None);
        }

        AssertEmailNames(host.Outbox, "Katherine Johnson");
    }

    private async Task<string> StoreUrlAsync(string engine)
    {
        if (engine == "redis")
        {
            redis.SkipIfMissing();
            return redis.Url;
        }

        postgres.SkipIfMissing();
        return await postgres.CreateDatabaseAsync();
    }

    private static void AssertEmailNames(string outbox, string name)
    {
        var file = Assert.Single(Directory.GetFiles(outbox, "*.eml"));
        var text = File.ReadAllText(file);
        Assert.Contains($"Subject: Welcome, {name}", text, StringComparison.Ordinal);
        Assert.Contains($"Hello {name},", text, StringComparison.Ordinal);
    }
}
