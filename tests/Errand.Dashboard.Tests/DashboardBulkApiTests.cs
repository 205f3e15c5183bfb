using System.Net;
using System.Text;
using System.Text.Json;
using Errand.Postgres;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Dashboard.Tests;

/// <summary>Filters and bulk actions of the JSON API on a real Kestrel over a real Redis and PostgreSQL, with jobs in every status.</summary>
public sealed class DashboardBulkApiTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Jobs_FilteredByFunctionThenPrefix_ListsOnlyTheMatchesWithTheirTotal(string engine)
    {
        await using var host = await StartAsync(engine);
        for (var i = 0; i < 3; i++)
        {
            await host.Queue.EnqueueAsync("resize_image", new { width = i }, new JobOptions { Key = $"img-{i}" }, Ct);
        }

        using var client = host.CreateClient();
        var byFunction = await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs?status=queued&function=resize_image");
        var byBoth = await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs?status=queued&function=resize_image&prefix=img-1");
        var byPrefix = await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs?status=queued&prefix=q");

        Assert.Equal(["img-0", "img-1", "img-2"], Keys(byFunction).Order());
        Assert.Equal(3, byFunction.GetProperty("total").GetInt64());
        Assert.Equal("resize_image", byFunction.GetProperty("function").GetString());
        Assert.False(byFunction.GetProperty("partial").GetBoolean());
        Assert.Equal(["img-1"], Keys(byBoth));
        Assert.Equal(["q1", "q2"], Keys(byPrefix));
    }

    [Fact]
    public async Task Jobs_FilterOverMoreJobsThanTheWindow_ReadsOnlyTheWindowAndSaysItIsPartial()
    {
        await using var host = await StartAsync("redis", o => o.FilterWindow = 3);
        for (var i = 0; i < 5; i++)
        {
            await host.Queue.EnqueueAsync("resize_image", new { width = i }, new JobOptions { Key = $"img-{i}" }, Ct);
        }

        using var client = host.CreateClient();
        var page = await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs?status=queued&function=resize_image");

        Assert.True(page.GetProperty("partial").GetBoolean());
        Assert.Equal(3, page.GetProperty("window").GetInt32());
        Assert.Equal(1, page.GetProperty("total").GetInt64()); // q1, q2 and img-0 are the three read
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Bulk_AbortByKeys_AbortsTheWaitingOnesAndSkipsFinishedAndMissing(string engine)
    {
        await using var host = await StartAsync(engine);
        using var client = host.CreateClient();

        var outcome = await PostJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs/bulk", """{"action": "abort", "keys": ["q1", "s1", "c1", "nope"]}""");

        Assert.Equal(HttpStatusCode.OK, outcome.Status);
        Assert.Equal(2, outcome.Body.GetProperty("count").GetInt32());
        Assert.Equal(2, outcome.Body.GetProperty("skipped").GetInt32());
        Assert.Equal(JobStatus.Aborted, (await host.Queue.GetJobAsync("q1", Ct))!.Status);
        Assert.Equal(JobStatus.Aborted, (await host.Queue.GetJobAsync("s1", Ct))!.Status);
        Assert.Equal(JobStatus.Complete, (await host.Queue.GetJobAsync("c1", Ct))!.Status);
        Assert.Equal(JobStatus.Queued, (await host.Queue.GetJobAsync("q2", Ct))!.Status);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Bulk_RetryEveryFinishedJobMatchingAFilter_QueuesOnlyThoseAgain(string engine)
    {
        await using var host = await StartAsync(engine);
        using var client = host.CreateClient();

        var complete = await PostJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs/bulk", """{"action": "retry", "status": "complete", "function": "send_email"}""");
        var none = await PostJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs/bulk", """{"action": "retry", "status": "failed", "prefix": "zz"}""");

        Assert.Equal(1, complete.Body.GetProperty("count").GetInt32());
        Assert.Equal(0, none.Body.GetProperty("count").GetInt32());
        Assert.Equal(JobStatus.Queued, (await host.Queue.GetJobAsync("c1", Ct))!.Status);
        Assert.Equal(JobStatus.Failed, (await host.Queue.GetJobAsync("f1", Ct))!.Status);
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("postgresql")]
    public async Task Bulk_DeleteByKeysThenByFilter_DeletesOnlyFinishedJobsAndTheirPages(string engine)
    {
        await using var host = await StartAsync(engine);
        using var client = host.CreateClient();

        var byKeys = await PostJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs/bulk", """{"action": "delete", "keys": ["c1", "q1", "a1"]}""");
        var byFilter = await PostJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs/bulk", """{"action": "delete", "status": "failed", "function": "send_email"}""");

        Assert.Equal((1, 2), (byKeys.Body.GetProperty("count").GetInt32(), byKeys.Body.GetProperty("skipped").GetInt32()));
        Assert.Equal(1, byFilter.Body.GetProperty("count").GetInt32());
        Assert.Null(await host.Queue.GetJobAsync("c1", Ct));
        Assert.Null(await host.Queue.GetJobAsync("f1", Ct));
        Assert.Equal(JobStatus.Queued, (await host.Queue.GetJobAsync("q1", Ct))!.Status);
        Assert.Equal(JobStatus.Active, (await host.Queue.GetJobAsync("a1", Ct))!.Status);
        Assert.Equal(0, (await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs?status=complete")).GetProperty("total").GetInt64());
        Assert.Equal(0, (await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs?status=failed")).GetProperty("total").GetInt64());
        Assert.Equal(1, (await GetJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs?status=aborted")).GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("""{"action": "purge", "keys": ["c1"]}""", "action must be")]
    [InlineData("""{"action": "retry", "keys": []}""", "keys must hold 1 to 1000")]
    [InlineData("""{"action": "retry", "keys": [""]}""", "keys must hold 1 to 1000")]
    [InlineData("""{"action": "retry"}""", "status must be one of")]
    [InlineData("""{"action": "retry", "status": "done"}""", "status must be one of")]
    [InlineData("""not json""", "The body must be JSON")]
    public async Task Bulk_BadBody_Is400WithAnError(string body, string error)
    {
        await using var host = await StartAsync("redis");
        using var client = host.CreateClient();

        var outcome = await PostJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs/bulk", body);

        Assert.Equal(HttpStatusCode.BadRequest, outcome.Status);
        Assert.Contains(error, outcome.Body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_MoreThan1000Keys_Is400()
    {
        await using var host = await StartAsync("redis");
        using var client = host.CreateClient();
        var keys = string.Join(", ", Enumerable.Range(0, 1001).Select(i => $"\"k{i}\""));

        var outcome = await PostJsonAsync(client, $"api/queues/{host.Queue.Name}/jobs/bulk", $$"""{"action": "abort", "keys": [{{keys}}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, outcome.Status);
    }

    [Fact]
    public async Task Bulk_WithoutTheHeaderOrReadOnly_Is403AndChangesNothing()
    {
        await using var host = await StartAsync("redis");
        await using var readOnly = await DashboardHost.StartAsync(redis, o => o.ReadOnly = true, host.Queue.Name);
        using var client = host.CreateClient();
        using var readOnlyClient = readOnly.CreateClient();
        using var content = new StringContent("""{"action": "abort", "keys": ["q1"]}""", Encoding.UTF8, "application/json");

        var noHeader = await client.PostAsync($"api/queues/{host.Queue.Name}/jobs/bulk", content, Ct);
        var refused = await PostJsonAsync(readOnlyClient, $"api/queues/{host.Queue.Name}/jobs/bulk", """{"action": "abort", "keys": ["q1"]}""");

        Assert.Equal(HttpStatusCode.Forbidden, noHeader.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(JobStatus.Queued, (await host.Queue.GetJobAsync("q1", Ct))!.Status);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=201")]
    [InlineData("offset=-1")]
    [InlineData("status=done")]
    public async Task Jobs_BadPaging_Is400(string query)
    {
        await using var host = await StartAsync("redis");
        using var client = host.CreateClient();

        var response = await client.GetAsync($"api/queues/{host.Queue.Name}/jobs?{query}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.TryGetProperty("error", out _));
    }

    private static IEnumerable<string> Keys(JsonElement page) => page.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("key").GetString()!);

    private async Task<DashboardHost> StartAsync(string engine, Action<ErrandDashboardOptions>? configure = null)
    {
        DashboardHost host;
        if (engine == "redis")
        {
            host = await DashboardHost.StartAsync(redis, configure);
        }
        else
        {
            postgres.SkipIfMissing();
            var queue = await PostgresQueueFactory.ConnectAsync(await postgres.CreateDatabaseAsync(), $"dash{Guid.NewGuid():N}", cancellationToken: Ct);
            host = await DashboardHost.StartAsync(queue, configure);
        }

        await JobsInEveryStatus.CreateAsync(host.Queue, Ct);
        return host;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(HttpClient client, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Errand-Dashboard", "1");
        var response = await client.SendAsync(request, Ct);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone());
    }
}
