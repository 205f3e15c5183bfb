using System.Net;
using System.Text.Json;
using Errand.Redis.Tests;

namespace Errand.Dashboard.Tests;

/// <summary>DNS rebinding: a page whose name re-resolves to 127.0.0.1 must not read an anonymous loopback dashboard.</summary>
public sealed class HostGuardFilterTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_AnonymousLoopbackDashboardWithAForeignHost_IsRefusedWithAnError()
    {
        await using var host = await DashboardHost.StartAsync(redis);
        using var client = host.CreateClient();

        var api = await SendAsync(client, HttpMethod.Get, "api/queues", "rebind.example");
        var page = await SendAsync(client, HttpMethod.Get, string.Empty, $"rebind.example:{host.BaseAddress.Port}");
        var action = await SendAsync(client, HttpMethod.Post, $"api/queues/{host.Queue.Name}/retry-failed", "rebind.example");

        Assert.All([api, page, action], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        var error = JsonDocument.Parse(await api.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString();
        Assert.Contains("rebind.example", error, StringComparison.Ordinal);
        Assert.Contains("AllowedHosts", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:{port}")]
    [InlineData("127.0.0.1:{port}")]
    [InlineData("[::1]:{port}")]
    public async Task Request_AnonymousLoopbackDashboardWithALoopbackHost_IsServed(string name)
    {
        await using var host = await DashboardHost.StartAsync(redis);
        using var client = host.CreateClient();

        var api = await SendAsync(client, HttpMethod.Get, "api/queues", name.Replace("{port}", host.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    [Fact]
    public async Task Request_AllowedHostsConfigured_ServesThoseNamesOnly()
    {
        await using var host = await DashboardHost.StartAsync(redis, o => o.AllowedHosts.Add("ops.example.com"));
        using var client = host.CreateClient();

        var listed = await SendAsync(client, HttpMethod.Get, "api/queues", "OPS.example.com:8443");
        var other = await SendAsync(client, HttpMethod.Get, "api/queues", "rebind.example");
        var loopback = await SendAsync(client, HttpMethod.Get, "api/queues", "localhost");

        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, loopback.StatusCode);
    }

    [Fact]
    public async Task Request_BasicAuthDashboardWithAnotherHost_IsServed()
    {
        await using var host = await DashboardHost.StartAsync(redis, o =>
        {
            o.AllowAnonymous = false;
            o.BasicAuthUserName = "ops";
            o.BasicAuthPassword = "s3cret";
        });
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String("ops:s3cret"u8));

        var api = await SendAsync(client, HttpMethod.Get, "api/queues", "queues.example.com");

        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string hostHeader)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Host = hostHeader;
        request.Headers.Add("X-Errand-Dashboard", "1");
        return await client.SendAsync(request, Ct);
    }
}
