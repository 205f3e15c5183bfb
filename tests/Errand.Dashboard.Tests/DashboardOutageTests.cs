using System.Net;
using System.Text.Json;
using Errand.Redis.Tests;

namespace Errand.Dashboard.Tests;

/// <summary>The API while its Redis is down: 503 with the documented error body, never ASP.NET's generic 500.</summary>
public sealed class DashboardOutageTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Api_RedisStopped_Answers503BackendUnavailable()
    {
        redis.SkipIfMissing();
        await using var server = await RedisServer.StartAsync(redis.Executable!, cancellationToken: Ct);
        await using var host = await DashboardHost.StartAsync(server.Url, TimeSpan.FromSeconds(1));
        using var client = host.CreateClient();
        var name = host.Queue.Name;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/queues", Ct)).StatusCode);

        await server.StopAsync();
        var answers = new List<HttpResponseMessage>
        {
            await client.GetAsync("api/queues", Ct),
            await client.GetAsync($"api/queues/{name}/jobs?status=failed", Ct),
            await client.GetAsync($"api/queues/{name}/jobs/k1", Ct),
            await client.GetAsync("api/workers", Ct),
        };
        using (var retry = new HttpRequestMessage(HttpMethod.Post, $"api/queues/{name}/jobs/k1/retry"))
        {
            retry.Headers.Add("X-Errand-Dashboard", "1");
            answers.Add(await client.SendAsync(retry, Ct));
        }

        foreach (var answer in answers)
        {
            var body = await answer.Content.ReadAsStringAsync(Ct);
            Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{answer.RequestMessage!.RequestUri}: {(int)answer.StatusCode} {body}");
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString();
            Assert.StartsWith("backend unavailable: ", error, StringComparison.Ordinal);
        }
    }
}
