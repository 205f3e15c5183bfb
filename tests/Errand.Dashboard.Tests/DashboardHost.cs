using Errand.Redis;
using Errand.Redis.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Errand.Dashboard.Tests;

/// <summary>A real Kestrel on 127.0.0.1 (a free port) serving the dashboard at <c>/monitor</c> over a Redis (or PostgreSQL) queue of this test's own.</summary>
public sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, Queue queue, Uri baseAddress)
    {
        _app = app;
        Queue = queue;
        BaseAddress = baseAddress;
    }

    public Queue Queue { get; }

    /// <summary>Gets the dashboard's address, ending in <c>/monitor/</c>.</summary>
    public Uri BaseAddress { get; }

    public static async Task<DashboardHost> StartAsync(RedisServerFixture redis, Action<ErrandDashboardOptions>? configure = null, string? queueName = null)
    {
        redis.SkipIfMissing();
        return await StartAsync(redis.Url, TimeSpan.FromSeconds(5), configure, queueName);
    }

    /// <summary>Starts the dashboard over a queue of the Redis at <paramref name="redisUrl"/>, whose calls time out after <paramref name="timeout"/>.</summary>
    public static async Task<DashboardHost> StartAsync(string redisUrl, TimeSpan timeout, Action<ErrandDashboardOptions>? configure = null, string? queueName = null)
    {
        var name = queueName ?? $"dash{Guid.NewGuid():N}";
        var backend = await RedisQueueBackend.ConnectAsync(redisUrl, new RedisBackendOptions { QueueName = name, OperationTimeout = timeout, ConnectTimeout = timeout });
        return await StartAsync(new Queue(backend), configure);
    }

    /// <summary>Starts the dashboard over <paramref name="queue"/> (any backend), which the host disposes.</summary>
    public static async Task<DashboardHost> StartAsync(Queue queue, Action<ErrandDashboardOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var options = new ErrandDashboardOptions { AllowAnonymous = true };
        options.Queues.Add(queue);
        configure?.Invoke(options);
        app.MapErrandDashboard("/monitor", options);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new DashboardHost(app, queue, new Uri(address.TrimEnd('/') + "/monitor/"));
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Queue.DisposeAsync();
    }
}
