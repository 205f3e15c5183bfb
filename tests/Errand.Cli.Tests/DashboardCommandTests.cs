using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary><c>errand dashboard</c> as a real process: it serves the dashboard's page and API until SIGTERM.</summary>
public sealed partial class DashboardCommandTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TestServers _servers = new(redis, postgres);

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Dashboard_Loopback_ServesThePageAndTheQueuesUntilSigterm(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(engine);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: ct);
        using var dashboard = ProgramProcess.Start("Errand.Cli", ["dashboard", queue.Url, "--queue", queue.Name, "--port", "0"]);
        var url = await UrlAsync(dashboard);
        using var http = new HttpClient { BaseAddress = url };

        var page = await http.GetAsync(new Uri("", UriKind.Relative), ct);
        using var queues = JsonDocument.Parse(await http.GetStringAsync(new Uri("api/queues", UriKind.Relative), ct));
        await ProgramProcess.SignalAsync(dashboard.Id, "TERM");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("127.0.0.1", url.Host);
        var only = Assert.Single(queues.RootElement.EnumerateArray());
        Assert.Equal(queue.Name, only.GetProperty("name").GetString());
        Assert.Equal(1, only.GetProperty("queued").GetInt32());
        Assert.True(await dashboard.WaitForExitAsync(Patience) == 0, dashboard.Output);
    }

    [Fact]
    public async Task Dashboard_AnyAddressWithUser_AsksForBasicCredentials()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await TestQueue.CreateAsync(redis);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: ct);
        using var dashboard = ProgramProcess.Start(
            "Errand.Cli",
            ["dashboard", queue.Url, "--queue", queue.Name, "--port", "0", "--bind", "0.0.0.0", "--user", "ops"],
            new Dictionary<string, string> { ["ERRAND_DASHBOARD_PASSWORD"] = "s3cret" });
        var port = (await UrlAsync(dashboard)).Port;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var anonymous = await http.GetAsync(new Uri("api/queues", UriKind.Relative), ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/queues", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:s3cret")));
        var authenticated = await http.SendAsync(request, ct);
        await ProgramProcess.SignalAsync(dashboard.Id, "TERM");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        Assert.True(await dashboard.WaitForExitAsync(Patience) == 0, dashboard.Output);
    }

    [Fact]
    public async Task Dashboard_AnyAddressWithoutUser_ExitsTwo()
    {
        await using var queue = await TestQueue.CreateAsync(redis);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: TestContext.Current.CancellationToken);

        var result = await ErrandCli.RunAsync("dashboard", queue.Url, "--queue", queue.Name, "--bind", "0.0.0.0");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("reachable from other machines: give --user", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Dashboard_UnknownQueue_ExitsFive(Engine engine)
    {
        var result = await ErrandCli.RunAsync("dashboard", await _servers.EmptyStoreAsync(engine, redisDatabase: 0), "--queue", "nosuchqueue", "--port", "0");

        Assert.True(result.ExitCode == 5, result.ToString());
    }

    /// <summary>Returns the dashboard's address from its first line.</summary>
    internal static async Task<Uri> UrlAsync(ProgramProcess process)
    {
        var line = await process.WaitForLineAsync(l => UrlPattern().IsMatch(l), Patience);
        return new Uri(UrlPattern().Match(line).Value);
    }

    [GeneratedRegex(@"http://[0-9.]+:\d+/")]
    private static partial Regex UrlPattern();
}
