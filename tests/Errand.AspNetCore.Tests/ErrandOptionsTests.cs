using Errand.Redis.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;

namespace Errand.AspNetCore.Tests;

/// <summary>Configuration binding, named queues, the in-memory default, and the health check.</summary>
public sealed class ErrandOptionsTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddErrand_ConfiguredQueues_EachHasItsOwnQueueJobDefaultsAndWorker()
    {
        using var host = TestHosts.Build(new()
        {
            ["Errand:Queue"] = "web",
            ["Errand:Worker:Concurrency"] = "4",
            ["Errand:JobDefaults:Timeout"] = "00:01:00",
            ["Errand:JobDefaults:Retries"] = "2",
            ["Errand:Queues:emails:Concurrency"] = "2",
            ["Errand:Queues:emails:JobDefaults:Retries"] = "5",
        });
        await host.StartAsync(Ct);
        var queues = host.Services.GetRequiredService<IQueueProvider>();

        Assert.Equal(["web", "emails"], queues.Names);
        Assert.Same(queues.Default, host.Services.GetRequiredService<IQueue>());
        Assert.Equal("web", host.Services.GetRequiredService<IQueue>().Name);
        var web = await queues.Default.EnqueueForServiceAsync<GreetingService>("AddAsync", new { a = 1, b = 2 }, cancellationToken: Ct);
        var email = await queues.Get("emails").EnqueueForServiceAsync<GreetingService>("AddAsync", new { a = 3, b = 4 }, cancellationToken: Ct);
        Assert.Equal((60, 2), (web.Timeout, web.Retries));
        Assert.Equal((60, 5), (email.Timeout, email.Retries));
        Assert.Equal(7, (await queues.Get("emails").WaitAsync(email.Key, TestHosts.Timeout, Ct)).Result!.Value.GetInt32());

        var workers = host.Services.GetServices<IHostedService>().OfType<ErrandWorkerService>().Single().Workers;
        Assert.Equal(["web", "emails"], workers.Select(w => w.Queue.Name));
        Assert.Throws<ArgumentException>(() => queues.Get("missing"));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddErrand_QueueLimitsConfigured_TheQueuesWorkerStoresThem()
    {
        using var host = TestHosts.Build(new()
        {
            ["Errand:Queues:reports:Limits:Functions:build_report:Concurrency"] = "2",
            ["Errand:Queues:reports:Limits:Functions:call_partner:Rate"] = "10",
            ["Errand:Queues:reports:Limits:Functions:call_partner:Period"] = "00:00:02",
            ["Errand:Queues:reports:Limits:Keys:Concurrency"] = "1",
        });
        await host.StartAsync(Ct);
        var reports = ((Queue)host.Services.GetRequiredService<IQueueProvider>().Get("reports")).Backend;

        // Written by the queue's hosted worker as it starts, in the background: read until they are there.
        IReadOnlyList<Backends.LimitState> states;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(TestHosts.Timeout);
            while ((states = await reports.GetLimitStatesAsync(deadline.Token)).Count < 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, deadline.Token);
            }
        }

        Assert.Equal(["build_report:2", "call_partner:"], states.Select(s => $"{s.Target.Name}:{s.Concurrency}"));
        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ErrandOptions>>().Value.Queues["reports"].Limits!;
        Assert.Equal((10, TimeSpan.FromSeconds(2)), (options.Functions["call_partner"].Rate, options.Functions["call_partner"].Period));
        Assert.Equal(1, options.Keys!.Concurrency);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddErrand_NoUrl_UsesInMemoryQueuesAndSaysSoOnce()
    {
        var logs = new FakeLogCollector();
        using var host = TestHosts.Build(new() { ["Errand:Queues:other:Concurrency"] = "1" }, services: s => s.AddLogging(b => b.AddFilter(_ => true).AddProvider(new FakeLoggerProvider(logs))));
        await host.StartAsync(Ct);
        _ = host.Services.GetRequiredService<IQueueProvider>().Get("other");

        var record = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == 6000);
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Contains("default, other", record.Message, StringComparison.Ordinal);
        Assert.IsType<InMemory.InMemoryQueueBackend>(((Queue)host.Services.GetRequiredService<IQueue>()).Backend);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StartAsync_UrlOfASchemeNoBackendTakes_FailsNamingTheSettingAndTheSupportedSchemes()
    {
        using var host = TestHosts.Build(new() { ["Errand:Url"] = "mysql://user:secret@localhost/db" });

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync(Ct));

        Assert.StartsWith("Errand:Url is not usable. The URL has the scheme 'mysql', which no Errand backend takes. Supported: redis://, redis+sentinel://, rediss://, rediss+sentinel://;", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_PostgresUrlWithoutItsBackend_SaysWhichPackageTakesIt()
    {
        using var host = TestHosts.Build(new() { ["Errand:Url"] = "postgresql://localhost/db" });

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync(Ct));

        Assert.Contains("'postgresql', which needs the package Errand.Postgres (UsePostgres)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseRedis_WithAUrl_StoresTheQueuesThereOverTheConfiguredOne()
    {
        redis.SkipIfMissing();
        using var host = TestHosts.Build(new() { ["Errand:Url"] = "mysql://elsewhere/db", ["Errand:RunWorker"] = "false" }, errand: e => e.UseRedis(redis.Url));
        await host.StartAsync(Ct);

        var queue = host.Services.GetRequiredService<IQueue>();
        var job = await queue.EnqueueAsync("anything", cancellationToken: Ct);

        Assert.IsType<Redis.RedisQueueBackend>(((Queue)queue).Backend);
        Assert.True(await redis.Db.KeyExistsAsync($"saq:job:default:{job.Key}"));
        await host.StopAsync(Ct);
    }

    [Fact]
    public void UseRedis_NotARedisUrl_ThrowsAtRegistration()
    {
        var services = new ServiceCollection();

        var ex = Assert.Throws<ArgumentException>(() => services.AddErrand().UseRedis("postgresql://localhost/db"));

        Assert.Contains("Supported: redis://, redis+sentinel://, rediss://, rediss+sentinel://", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_JobServiceMissingFromContainer_FailsNamingIt()
    {
        using var host = TestHosts.Build(errand: e => e.AddJobService<IUnregisteredService>());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains(nameof(IUnregisteredService), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddErrand_WorkerDisabled_RunsNoWorker()
    {
        using var host = TestHosts.Build(new() { ["Errand:RunWorker"] = "false" });
        await host.StartAsync(Ct);

        Assert.Empty(host.Services.GetServices<IHostedService>().OfType<ErrandWorkerService>().Single().Workers);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task HealthCheck_WorkerRunning_IsHealthy()
    {
        using var host = TestHosts.Build(services: s => s.AddHealthChecks().AddErrand());
        await host.StartAsync(Ct);
        await WorkerIsUpAsync(host);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task HealthCheck_NoLiveWorker_IsDegraded()
    {
        using var host = TestHosts.Build(new() { ["Errand:RunWorker"] = "false" }, services: s => s.AddHealthChecks().AddErrand());
        await host.StartAsync(Ct);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Contains("default", report.Entries["errand"].Description, StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task HealthCheck_RedisUnreachable_IsUnhealthy()
    {
        using var host = TestHosts.Build(new() { ["Errand:Url"] = "redis://127.0.0.1:1", ["Errand:RunWorker"] = "false" }, services: s => s.AddHealthChecks().AddErrand());
        await host.StartAsync(Ct);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("cannot be reached", report.Entries["errand"].Description, StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task HealthCheck_RedisWithWorker_IsHealthy()
    {
        redis.SkipIfMissing();
        using var host = TestHosts.Build(new() { ["Errand:Url"] = redis.Url, ["Errand:Queue"] = $"health-{Guid.NewGuid():N}" }, services: s => s.AddHealthChecks().AddErrand());
        await host.StartAsync(Ct);
        await WorkerIsUpAsync(host);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        await host.StopAsync(Ct);
    }

    // A worker writes its info before it takes its first job: a job it has run proves it is up, without polling.
    private static async Task WorkerIsUpAsync(IHost host)
    {
        var queue = host.Services.GetRequiredService<IQueue>();
        var job = await queue.EnqueueForServiceAsync<GreetingService>("AddAsync", new { a = 1, b = 1 }, cancellationToken: Ct);
        Assert.Equal(JobStatus.Complete, (await queue.WaitAsync(job.Key, TestHosts.Timeout, Ct)).Status);
    }
}
