using System.Net;
using System.Text.Json;
using Errand.Redis.Tests;
using StackExchange.Redis;

namespace Errand.Dashboard.Tests;

/// <summary>A page's refresh only reads Redis; the full scan is an action of its own.</summary>
public sealed class DashboardReadsTests(RedisServerFixture redis)
{
    private static readonly string[] Statuses = ["queued", "scheduled", "active", "aborting", "complete", "failed", "aborted"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_EveryPageOfAQueueWithStaleAndUnindexedJobs_LeavesRedisUnchanged()
    {
        await using var host = await DashboardHost.StartAsync(redis);
        var name = host.Queue.Name;
        await JobsInEveryStatus.CreateAsync(host.Queue, Ct);
        await redis.Db.KeyDeleteAsync($"saq:job:{name}:c1");
        await redis.Db.StringSetAsync($"saq:job:{name}:py-done", PythonSaqFailedJob(name));
        using var client = host.CreateClient();
        var before = await SnapshotAsync(name);

        var paths = new List<string> { string.Empty, "assets/app.js", "api/config", "api/queues", "api/workers", $"api/queues/{name}/history", $"api/queues/{name}/limits" };
        paths.AddRange(Statuses.Select(s => $"api/queues/{name}/jobs?status={s}"));
        paths.AddRange(Statuses.Select(s => $"api/queues/{name}/jobs?status={s}&scan=true"));
        paths.AddRange([$"api/queues/{name}/jobs/f1", $"api/queues/{name}/jobs/c1", $"api/queues/{name}/jobs/py-done"]);
        foreach (var path in paths)
        {
            var response = await client.GetAsync(path, Ct);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"GET {path}: {(int)response.StatusCode}");
        }

        var after = await SnapshotAsync(name);
        Assert.Equal(before.Keys.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
        Assert.All(before, entry => Assert.True(entry.Value.SequenceEqual(after[entry.Key]), $"{entry.Key} changed"));
    }

    [Fact]
    public async Task Scan_JobFinishedByPythonSaq_IsListedInItsTabAfterOnePost()
    {
        await using var host = await DashboardHost.StartAsync(redis, o => o.ReadOnly = true);
        var name = host.Queue.Name;
        await redis.Db.StringSetAsync($"saq:job:{name}:py-done", PythonSaqFailedJob(name));
        using var client = host.CreateClient();
        var unindexed = await GetJsonAsync(client, $"api/queues/{name}/jobs?status=failed");

        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/queues/{name}/scan");
        request.Headers.Add("X-Errand-Dashboard", "1");
        var scan = await client.SendAsync(request, Ct);
        var indexed = await GetJsonAsync(client, $"api/queues/{name}/jobs?status=failed");

        Assert.Equal(0, unindexed.GetProperty("total").GetInt64());
        Assert.Equal(HttpStatusCode.OK, scan.StatusCode);
        Assert.Equal("py-done", Assert.Single(indexed.GetProperty("jobs").EnumerateArray().ToList()).GetProperty("key").GetString());
    }

    private static string PythonSaqFailedJob(string queue)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return $$"""{"function": "py", "kwargs": {"n": 1}, "queue": "{{queue}}", "key": "py-done", "status": "failed", "error": "Traceback ...", "completed": {{now}}, "queued": {{now - 5}}}""";
    }

    // Every key of the queue with its value as DUMP serializes it (type, content), without the TTLs, which tick.
    private async Task<Dictionary<string, byte[]>> SnapshotAsync(string queue)
    {
        var snapshot = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var key in await redis.ScanAsync($"*{queue}*"))
        {
            if (await redis.Db.KeyDumpAsync(key) is { } dump)
            {
                snapshot[key] = dump;
            }
        }

        return snapshot;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
