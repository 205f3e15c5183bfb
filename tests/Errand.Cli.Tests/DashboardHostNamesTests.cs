using System.Net;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary>DNS rebinding against the loopback dashboards of <c>errand dashboard</c> and <c>--web</c>: only loopback names, or the configured ones.</summary>
public sealed class DashboardHostNamesTests(RedisServerFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ErrandDashboard_ForeignHost_IsRefusedAndLocalhostServed()
    {
        await using var queue = await TestQueue.CreateAsync(redis);
        await queue.Queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: TestContext.Current.CancellationToken);
        using var dashboard = ProgramProcess.Start("Errand.Cli", ["dashboard", queue.Url, "--queue", queue.Name, "--port", "0"]);
        var url = await DashboardCommandTests.UrlAsync(dashboard);

        var rebound = await GetAsync(url, "rebind.example");
        var local = await GetAsync(url, $"localhost:{url.Port}");
        await ProgramProcess.SignalAsync(dashboard.Id, "TERM");

        Assert.Equal(HttpStatusCode.Forbidden, rebound);
        Assert.Equal(HttpStatusCode.OK, local);
        Assert.True(await dashboard.WaitForExitAsync(Patience) == 0, dashboard.Output);
    }

    [Fact]
    public async Task WorkerWeb_AllowedHostsConfigured_ServesThoseNamesOnly()
    {
        await using var queue = await TestQueue.CreateAsync(redis);
        var environment = new Dictionary<string, string> { ["Errand__Dashboard__AllowedHosts__0"] = "ops.example.com" };
        using var worker = ProgramProcess.Start("Errand.Cli.Tests.Worker", ["--url", queue.Url, "--queue", queue.Name, "--web", "--port", "0"], environment);
        var url = await DashboardCommandTests.UrlAsync(worker);

        var listed = await GetAsync(url, "ops.example.com");
        var rebound = await GetAsync(url, "rebind.example");
        await ProgramProcess.SignalAsync(worker.Id, "TERM");

        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(HttpStatusCode.Forbidden, rebound);
        Assert.True(await worker.WaitForExitAsync(Patience) == 0, worker.Output);
    }

    private static async Task<HttpStatusCode> GetAsync(Uri dashboard, string host)
    {
        using var http = new HttpClient { BaseAddress = dashboard };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("api/queues", UriKind.Relative));
        request.Headers.Host = host;
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
