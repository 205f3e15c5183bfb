using Errand.Postgres.Tests;
using Errand.Redis.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Errand.AspNetCore.Tests;

/// <summary>The health check while Redis or PostgreSQL is down: Unhealthy, saying plainly that the backend is unavailable.</summary>
public sealed class ErrandHealthCheckTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CheckHealthAsync_RedisStopped_IsUnhealthyWithBackendUnavailable()
    {
        redis.SkipIfMissing();
        await using var server = await RedisServer.StartAsync(redis.Executable!, cancellationToken: Ct);
        using var host = TestHosts.Build(new() { ["Errand:Url"] = server.Url, ["Errand:Queue"] = "health", ["Errand:RunWorker"] = "false" }, services: s => s.AddHealthChecks().AddErrand());
        await host.StartAsync(Ct);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync(Ct)).Status);

        await server.StopAsync();
        var report = await health.CheckHealthAsync(Ct);

        var entry = report.Entries["errand"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith("backend unavailable: ", entry.Description, StringComparison.Ordinal);
        Assert.Contains("'health'", entry.Description, StringComparison.Ordinal);
        Assert.Contains(server.Url, entry.Description, StringComparison.Ordinal);
        Assert.IsType<BackendUnavailableException>(entry.Exception);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task CheckHealthAsync_PostgresStopped_IsUnhealthyWithBackendUnavailable()
    {
        postgres.SkipIfMissing();
        await using var server = await PostgresServer.StartAsync(postgres.Binaries!, cancellationToken: Ct);
        var url = server.Url();
        using var host = TestHosts.Build(
            new() { ["Errand:Url"] = url, ["Errand:Queue"] = "health", ["Errand:RunWorker"] = "false" },
            errand: b => b.UsePostgres(),
            services: s => s.AddHealthChecks().AddErrand());
        await host.StartAsync(Ct);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync(Ct)).Status);

        await server.StopAsync(Ct);
        var report = await health.CheckHealthAsync(Ct);

        var entry = report.Entries["errand"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.StartsWith("backend unavailable: ", entry.Description, StringComparison.Ordinal);
        Assert.Contains("'health'", entry.Description, StringComparison.Ordinal);
        Assert.Contains($"postgresql://127.0.0.1:{server.Port}/postgres", entry.Description, StringComparison.Ordinal);
        Assert.IsType<BackendUnavailableException>(entry.Exception);
        await host.StopAsync(Ct);
    }
}
