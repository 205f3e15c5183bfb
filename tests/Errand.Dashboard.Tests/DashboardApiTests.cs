using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Errand.Backends;
using Errand.Postgres;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;
using Microsoft.AspNetCore.Builder;

namespace Errand.Dashboard.Tests;

/// <summary>The JSON API on a real Kestrel over a real Redis (and PostgreSQL where marked), with jobs in every status.</summary>
public sealed class DashboardApiTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Queues_JobsInEveryStatus_CountsEachState(string engine)
    {
        await using var host = await StartWithJobsAsync(engine);
        using var client = host.CreateClient();

        var queues = await GetJsonAsync(client, "api/queues");

        var queue = Assert.Single(queues.EnumerateArray().ToList());
        Assert.Equal(host.Queue.Name, queue.GetProperty("name").GetString());
        Assert.Equal(2, queue.GetProperty("queued").GetInt64());
        Assert.Equal(1, queue.GetProperty("active").GetInt64());
        Assert.Equal(1, queue.GetProperty("scheduled").GetInt64());
        Assert.Equal(0, queue.GetProperty("retrying").GetInt64()); // f1 was retried twice, then failed for good
        Assert.Equal(1, queue.GetProperty("complete").GetInt64());
        Assert.Equal(1, queue.GetProperty("failed").GetInt64());
        Assert.Equal(1, queue.GetProperty("aborted").GetInt64());
    }

    [Theory]
    [InlineData("redis", "queued", new[] { "q1", "q2" })]
    [InlineData("redis", "scheduled", new[] { "s1" })]
    [InlineData("redis", "active", new[] { "a1" })]
    [InlineData("redis", "complete", new[] { "c1" })]
    [InlineData("redis", "failed", new[] { "f1" })]
    [InlineData("redis", "aborted", new[] { "x1" })]
    [InlineData("postgresql", "queued", new[] { "q1", "q2" })]
    [InlineData("postgresql", "scheduled", new[] { "s1" })]
    [InlineData("postgresql", "active", new[] { "a1" })]
    [InlineData("postgresql", "complete", new[] { "c1" })]
    [InlineData("postgresql", "failed", new[] { "f1" })]
    [InlineData("postgresql", "aborted", new[] { "x1" })]
    public async Task Jobs_ByStatus_ListsThatStatusWithTotal(string engine, string status, string[] keys)
    {
        await using var host = await StartWithJobsAsync(engine);
        using var client = host.CreateClient();

        var page = await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs?status={status}&limit=10");

        Assert.Equal(keys, page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("key").GetString()));
        Assert.Equal(keys.Length, page.GetProperty("total").GetInt64());
        Assert.All(page.GetProperty("jobs").EnumerateArray(), j => Assert.Equal(status == "scheduled" ? "queued" : status, j.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Job_Failed_HasItsFullErrorKwargsAndTimes(string engine)
    {
        await using var host = await StartWithJobsAsync(engine);
        using var client = host.CreateClient();

        var job = await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs/f1");

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(JobsInEveryStatus.FailedError, job.GetProperty("error").GetString());
        Assert.Equal("<script>alert('x')</script>", job.GetProperty("kwargs").GetProperty("to").GetString());
        Assert.True(job.GetProperty("started").GetInt64() > 0);
        Assert.True(job.GetProperty("completed").GetInt64() >= job.GetProperty("started").GetInt64());
        Assert.Equal("worker-2", job.GetProperty("worker_id").GetString());
        var attempts = job.GetProperty("attempt_history").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.Equal(["retried", "retried", "failed"], attempts.Select(a => a.GetProperty("outcome").GetString()));
        Assert.Equal(["worker-1", "worker-2", "worker-2"], attempts.Select(a => a.GetProperty("worker_id").GetString()));
        Assert.Equal([JobsInEveryStatus.TimeoutError, JobsInEveryStatus.TimeoutError, JobsInEveryStatus.FailedError], attempts.Select(a => a.GetProperty("error").GetString()));
        Assert.All(attempts, a => Assert.True(a.GetProperty("duration_ms").GetInt64() >= 0 && a.GetProperty("ended").GetInt64() >= a.GetProperty("started").GetInt64()));
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Job_UnknownKeyOrQueueOrStatus_AnswersWithAnError(string engine)
    {
        await using var host = await StartWithJobsAsync(engine);
        using var client = host.CreateClient();

        var missing = await client.GetAsync($"api/queues/{host.Queue.Name}/jobs/nope", Ct);
        var noQueue = await client.GetAsync("api/queues/nope/jobs", Ct);
        var badStatus = await client.GetAsync($"api/queues/{host.Queue.Name}/jobs?status=bogus", Ct);

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("nope", await missing.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, noQueue.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Retry_FailedJobWithTheHeader_QueuesItAgain(string engine)
    {
        await using var host = await StartWithJobsAsync(engine);
        using var client = host.CreateClient();

        var response = await PostAsync(client, $"api/queues/{host.Queue.Name}/jobs/f1/retry");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("queued", outcome.GetProperty("job").GetProperty("status").GetString());
        Assert.Contains("queued again", outcome.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JobStatus.Queued, (await host.Queue.GetJobAsync("f1", Ct))!.Status);
    }

    [Fact]
    public async Task Retry_WithoutTheHeaderOrFromAnotherOrigin_IsRefused()
    {
        await using var host = await StartWithJobsAsync();
        using var client = host.CreateClient();

        var bare = await client.PostAsync($"api/queues/{host.Queue.Name}/jobs/f1/retry", null, Ct);
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, $"api/queues/{host.Queue.Name}/jobs/f1/retry");
        crossSite.Headers.Add("X-Errand-Dashboard", "1");
        crossSite.Headers.Add("Origin", "https://evil.example");
        var fromElsewhere = await client.SendAsync(crossSite, Ct);
        var get = await client.GetAsync($"api/queues/{host.Queue.Name}/jobs/f1/retry", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, fromElsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(JobStatus.Failed, (await host.Queue.GetJobAsync("f1", Ct))!.Status);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Abort_QueuedJob_EndsItAborted_AndAFinishedOneIsAConflict(string engine)
    {
        await using var host = await StartWithJobsAsync(engine);
        using var client = host.CreateClient();

        var abort = await PostAsync(client, $"api/queues/{host.Queue.Name}/jobs/q1/abort");
        var again = await PostAsync(client, $"api/queues/{host.Queue.Name}/jobs/q1/abort");
        var retryActive = await PostAsync(client, $"api/queues/{host.Queue.Name}/jobs/a1/retry");

        Assert.Equal(HttpStatusCode.OK, abort.StatusCode);
        Assert.Equal(JobStatus.Aborted, (await host.Queue.GetJobAsync("q1", Ct))!.Status);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, retryActive.StatusCode);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task RetryFailed_ManyFailedJobs_QueuesThemAllAgain(string engine)
    {
        await using var host = await StartOnAsync(engine);
        var backend = host.Queue.Backend;
        for (var i = 0; i < 250; i++)
        {
            await backend.EnqueueAsync(new Job("f", host.Queue.Name, $"f{i}"), Ct);
        }

        foreach (var job in await backend.DequeueAsync(new Backends.DequeueRequest("w", 250, TimeSpan.Zero), Ct))
        {
            await backend.FinishAsync(job, JobStatus.Failed, Ct);
        }

        using var client = host.CreateClient();
        var response = await PostAsync(client, $"api/queues/{host.Queue.Name}/retry-failed");

        var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(250, outcome.GetProperty("count").GetInt32());
        Assert.Equal(250, (await host.Queue.CountAsync(Ct)).Queued);
        Assert.Equal(0, (await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs?status=failed")).GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task History_AfterFinishes_CountsThemInTheCurrentMinute(string engine)
    {
        await using var host = await StartWithJobsAsync(engine);
        using var client = host.CreateClient();

        var history = (await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/history")).EnumerateArray().ToList();

        Assert.Equal(60, history.Count);
        Assert.Equal(1, history.Sum(p => p.GetProperty("complete").GetInt64()));
        Assert.Equal(1, history.Sum(p => p.GetProperty("failed").GetInt64()));
        Assert.Equal(1, history.Sum(p => p.GetProperty("aborted").GetInt64()));
        Assert.Equal(2, history.Sum(p => p.GetProperty("retried").GetInt64()));
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task HourlyHistory_AfterFinishes_SevenDaysOfHoursWithThemInTheLatest(string engine)
    {
        await using var host = await StartWithJobsAsync(engine);
        using var client = host.CreateClient();

        var week = (await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/history/hours")).EnumerateArray().ToList();
        var day = (await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/history/hours?hours=24")).EnumerateArray().ToList();

        Assert.Equal(168, week.Count);
        Assert.Equal(24, day.Count);
        // The jobs ended a moment ago: in the current hour, or some in the one before when the hour turned meanwhile.
        var recent = week.TakeLast(2).ToList();
        long Sum(string status) => recent.Sum(p => p.GetProperty(status).GetInt64());
        Assert.Equal((1, 1, 2, 1), (Sum("complete"), Sum("failed"), Sum("retried"), Sum("aborted")));
        Assert.Equal(TimeSpan.FromHours(1), week[^1].GetProperty("minute").GetDateTimeOffset() - week[^2].GetProperty("minute").GetDateTimeOffset());
        Assert.Equal(0, week.SkipLast(2).Sum(p => p.GetProperty("complete").GetInt64() + p.GetProperty("failed").GetInt64()));
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task PauseThenResume_WithTheHeader_StoresTheFlagAndQueuesShowIt(string engine)
    {
        await using var host = await StartWithJobsAsync(engine);
        using var client = host.CreateClient();

        var pause = await PostAsync(client, $"api/queues/{host.Queue.Name}/pause");
        var whilePaused = Assert.Single((await GetJsonAsync(client, "api/queues")).EnumerateArray().ToList());

        Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        Assert.Contains("paused", (await pause.Content.ReadAsStringAsync(Ct)), StringComparison.Ordinal);
        Assert.True(await host.Queue.IsPausedAsync(Ct));
        Assert.True(whilePaused.GetProperty("paused").GetBoolean());

        var resume = await PostAsync(client, $"api/queues/{host.Queue.Name}/resume");
        var after = Assert.Single((await GetJsonAsync(client, "api/queues")).EnumerateArray().ToList());

        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        Assert.False(await host.Queue.IsPausedAsync(Ct));
        Assert.False(after.GetProperty("paused").GetBoolean());
    }

    [Fact]
    public async Task Pause_ReadOnlyOrWithoutTheHeaderOrUnknownQueue_IsRefusedAndNothingIsPaused()
    {
        await using var host = await StartWithJobsAsync();
        using var client = host.CreateClient();
        await using var readOnlyHost = await DashboardHost.StartAsync(redis, o => o.ReadOnly = true);
        using var readOnlyClient = readOnlyHost.CreateClient();

        var bare = await client.PostAsync($"api/queues/{host.Queue.Name}/pause", null, Ct);
        var unknown = await PostAsync(client, "api/queues/no-such-queue/pause");
        var readOnly = await PostAsync(readOnlyClient, $"api/queues/{readOnlyHost.Queue.Name}/pause");

        Assert.NotEqual(HttpStatusCode.OK, bare.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        Assert.False(await host.Queue.IsPausedAsync(Ct));
        Assert.False(await readOnlyHost.Queue.IsPausedAsync(Ct));
    }

    [Fact]
    public async Task ReadOnly_Actions_AreRefusedAndConfigSaysSo()
    {
        await using var host = await StartWithJobsAsync(o => o.ReadOnly = true);
        using var client = host.CreateClient();

        var retry = await PostAsync(client, $"api/queues/{host.Queue.Name}/jobs/f1/retry");
        var config = await GetJsonAsync(client, "api/config");

        Assert.Equal(HttpStatusCode.Forbidden, retry.StatusCode);
        Assert.True(config.GetProperty("read_only").GetBoolean());
        Assert.Equal(JobStatus.Failed, (await host.Queue.GetJobAsync("f1", Ct))!.Status);
    }

    [Fact]
    public async Task BasicAuth_WithoutOrWithWrongCredentials_Is401_WithThemIsServed()
    {
        await using var host = await DashboardHost.StartAsync(redis, o =>
        {
            o.AllowAnonymous = false;
            o.BasicAuthUserName = "ops";
            o.BasicAuthPassword = "s3cret";
        });
        using var client = host.CreateClient();

        var anonymous = await client.GetAsync("api/queues", Ct);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "api/queues");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:nope")));
        var wrongAnswer = await client.SendAsync(wrong, Ct);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:s3cret")));
        var page = await client.GetAsync(string.Empty, Ct);
        var api = await client.GetAsync("api/queues", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.StartsWith("Basic", anonymous.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Fact]
    public void MapErrandDashboard_NoAccessRuleChosen_Throws()
    {
        var app = WebApplication.CreateSlimBuilder().Build();

        var none = Assert.Throws<InvalidOperationException>(() => app.MapErrandDashboard("/monitor", new ErrandDashboardOptions()));
        var two = Assert.Throws<InvalidOperationException>(() => app.MapErrandDashboard("/monitor", o => { o.AllowAnonymous = true; o.AuthorizationPolicy = "ops"; }));

        Assert.Contains("AllowAnonymous", none.Message, StringComparison.Ordinal);
        Assert.Contains("More than one", two.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_IsEmbeddedWithCspAndETag_AndRevalidatesTo304()
    {
        await using var host = await DashboardHost.StartAsync(redis);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        var redirect = await client.GetAsync(host.BaseAddress.AbsoluteUri.TrimEnd('/'), Ct);
        var page = await client.GetAsync(string.Empty, Ct);
        var script = await client.GetAsync("assets/app.js", Ct);
        using var again = new HttpRequestMessage(HttpMethod.Get, "assets/app.js");
        again.Headers.IfNoneMatch.Add(script.Headers.ETag!);
        var notModified = await client.SendAsync(again, Ct);

        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.EndsWith("/monitor/", redirect.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("assets/app.js", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.NotNull(script.Headers.ETag);
        Assert.Equal("no-cache", script.Headers.CacheControl!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Limits_FunctionAtItsLimit_ShowsRunningAgainstTheLimitAndHeldJobs(string engine)
    {
        await using var host = await StartOnAsync(engine);
        var limits = new QueueLimits();
        limits.Functions["report"] = new Limit { Concurrency = 1 };
        await host.Queue.Backend.SetLimitsAsync(limits, Ct);
        for (var i = 0; i < 3; i++)
        {
            await host.Queue.EnqueueAsync("report", options: new JobOptions { Key = $"r{i}" }, cancellationToken: Ct);
        }

        Assert.Single(await host.Queue.Backend.DequeueAsync(new DequeueRequest("w", 5, TimeSpan.Zero), Ct));
        using var client = host.CreateClient();

        var body = await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/limits");

        Assert.Equal(host.Queue.Name, body.GetProperty("queue").GetString());
        var row = Assert.Single(body.GetProperty("limits").EnumerateArray().ToList());
        Assert.Equal(("function", "report", 1, 1, 2), (row.GetProperty("of").GetString(), row.GetProperty("name").GetString(),
            row.GetProperty("running").GetInt32(), row.GetProperty("concurrency").GetInt32(), row.GetProperty("held").GetInt32()));
    }

    [Fact]
    public async Task Limits_QueueWithoutLimits_IsAnEmptyList()
    {
        await using var host = await StartWithJobsAsync();
        using var client = host.CreateClient();

        var body = await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/limits");

        Assert.Empty(body.GetProperty("limits").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("api/queues/nope/limits", Ct)).StatusCode);
    }

    private async Task<DashboardHost> StartWithJobsAsync(Action<ErrandDashboardOptions>? configure = null) => await StartWithJobsAsync("redis", configure);

    private async Task<DashboardHost> StartWithJobsAsync(string engine, Action<ErrandDashboardOptions>? configure = null)
    {
        var host = await StartOnAsync(engine, configure);
        await JobsInEveryStatus.CreateAsync(host.Queue, Ct);
        return host;
    }

    /// <summary>Starts the dashboard over a queue of its own: on Redis a new name, on PostgreSQL a new database.</summary>
    private async Task<DashboardHost> StartOnAsync(string engine, Action<ErrandDashboardOptions>? configure = null)
    {
        if (engine == "redis")
        {
            return await DashboardHost.StartAsync(redis, configure);
        }

        postgres.SkipIfMissing();
        var queue = await PostgresQueueFactory.ConnectAsync(await postgres.CreateDatabaseAsync(), $"dash{Guid.NewGuid():N}", cancellationToken: Ct);
        return await DashboardHost.StartAsync(queue, configure);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-Errand-Dashboard", "1");
        return client.SendAsync(request, Ct);
    }
}
