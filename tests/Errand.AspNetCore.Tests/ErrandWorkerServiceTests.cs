using System.Text.Json;
using Errand.Redis.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Errand.AspNetCore.Tests;

/// <summary>The hosted worker running service-object jobs: new scopes, worker-supplied parameters, failures, retries and shutdown.</summary>
public sealed class ErrandWorkerServiceTests(RedisServerFixture redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ServiceJob_Result_IsStoredAsJson()
    {
        using var host = TestHosts.Build();
        await host.StartAsync(Ct);
        var queue = host.Services.GetRequiredService<IQueue>();

        var greet = await queue.EnqueueAsync<GreetingService>(s => s.GreetAsync(new Greeting("Ada", 2), "?"), cancellationToken: Ct);
        var add = await queue.EnqueueForServiceAsync<GreetingService>(nameof(GreetingService.AddAsync), new { a = 2, b = 3 }, cancellationToken: Ct);

        var greeted = await queue.WaitAsync(greet.Key, TestHosts.Timeout, Ct);
        var added = await queue.WaitAsync(add.Key, TestHosts.Timeout, Ct);
        Assert.Equal(JobStatus.Complete, greeted.Status);
        Assert.Equal("Hello Ada?Hello Ada?", greeted.Result!.Value.GetString());
        Assert.Equal(5, added.Result!.Value.GetInt32());
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task ServiceJob_EachJob_RunsInANewScopeWithTokenAndContext()
    {
        var signals = new Signals();
        using var host = TestHosts.Build(signals: signals);
        await host.StartAsync(Ct);
        var queue = host.Services.GetRequiredService<IQueue>();

        var first = await queue.EnqueueAsync<GreetingService>(s => s.RecordScopeAsync("one", default, null!), cancellationToken: Ct);
        await queue.WaitAsync(first.Key, TestHosts.Timeout, Ct);
        var second = await queue.EnqueueAsync<GreetingService>(s => s.RecordScopeAsync("two", default, null!), cancellationToken: Ct);
        await queue.WaitAsync(second.Key, TestHosts.Timeout, Ct);

        var seen = signals.Seen.Cast<(string Label, Guid Scope, bool Cancellable, string Key)>().ToList();
        Assert.Equal(["one", "two"], seen.Select(s => s.Label));
        Assert.NotEqual(seen[0].Scope, seen[1].Scope);
        Assert.All(seen, s => Assert.True(s.Cancellable));
        Assert.Equal([first.Key, second.Key], seen.Select(s => s.Key));
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task ServiceJob_MethodThrows_FailsWithStackTraceAfterItsRetries()
    {
        var signals = new Signals();
        using var host = TestHosts.Build(signals: signals);
        await host.StartAsync(Ct);
        var queue = host.Services.GetRequiredService<IQueue>();

        var job = await queue.EnqueueForServiceAsync<GreetingService>(nameof(GreetingService.FailAsync), new { reason = "test" }, cancellationToken: Ct);
        var done = await queue.WaitAsync(job.Key, TestHosts.Timeout, Ct);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Equal(3, done.Attempts);
        Assert.Equal(3, signals.Attempts);
        Assert.Contains("InvalidOperationException: Failing on purpose: test", done.Error, StringComparison.Ordinal);
        Assert.Contains($"at {typeof(GreetingService).FullName}.{nameof(GreetingService.FailAsync)}", done.Error, StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task ServiceJob_MethodThrowsWithBackoff_IsRetriedAfterADelayThenFails()
    {
        var signals = new Signals();
        using var host = TestHosts.Build(signals: signals);
        await host.StartAsync(Ct);
        var queue = host.Services.GetRequiredService<IQueue>();

        var job = await queue.EnqueueAsync<GreetingService>(s => s.FailWithBackoffAsync(), cancellationToken: Ct);
        var done = await queue.WaitAsync(job.Key, TestHosts.Timeout, Ct);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Equal(2, done.Attempts);
        Assert.True(done.RetryBackoff);
        Assert.Equal(0.001, done.RetryDelay);
        Assert.Equal(2, signals.Attempts);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task ServiceJob_KwargsFromAnotherProducer_BindBySnakeCaseNames()
    {
        using var host = TestHosts.Build();
        await host.StartAsync(Ct);
        var queue = host.Services.GetRequiredService<IQueue>();

        // As SAQ (or any producer) would write it: plain JSON kwargs, optional parameter left out.
        var kwargs = JsonDocument.Parse("""{"greeting": {"name": "Grace", "times": 1}}""").RootElement;
        var job = await queue.EnqueueAsync($"{typeof(GreetingService).FullName}.GreetAsync", kwargs, cancellationToken: Ct);
        var bad = await queue.EnqueueAsync($"{typeof(GreetingService).FullName}.GreetAsync", JsonDocument.Parse("""{"greeting": {"name": 3}}""").RootElement, cancellationToken: Ct);

        Assert.Equal("Hello Grace!", (await queue.WaitAsync(job.Key, TestHosts.Timeout, Ct)).Result!.Value.GetString());
        var failed = await queue.WaitAsync(bad.Key, TestHosts.Timeout, Ct);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("$.greeting.name", failed.Error, StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task StopAsync_SlowMethodRunning_JobIsRetriedAndCompletesAfterRestart()
    {
        var signals = new Signals();
        var queue = Queue.InMemory("restart");
        var settings = new Dictionary<string, string?> { ["Errand:Queue"] = "restart" };
        void ShortShutdown(IServiceCollection s) => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));

        using (var first = TestHosts.Build(settings, e => e.AddQueue(queue), ShortShutdown, signals))
        {
            await first.StartAsync(Ct);
            var started = signals.NextAsync();
            var job = await first.Services.GetRequiredService<IQueue>().EnqueueAsync<GreetingService>(s => s.SlowAsync("slow", default), cancellationToken: Ct);
            Assert.Equal(1, await started);

            await first.StopAsync(Ct);

            var handedBack = await queue.GetJobAsync(job.Key, Ct);
            Assert.Equal(JobStatus.Queued, handedBack!.Status);
            Assert.Equal("cancelled", handedBack.Error);
        }

        using var second = TestHosts.Build(settings, e => e.AddQueue(queue), ShortShutdown, signals);
        await second.StartAsync(Ct);
        var key = (await queue.ListJobsAsync(new Backends.JobQuery(), Ct)).Jobs.Single().Key;
        var done = await queue.WaitAsync(key, TestHosts.Timeout, Ct);

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(2, done.Attempts);
        Assert.Equal(2, signals.Attempts);
        await second.StopAsync(Ct);
        await queue.DisposeAsync();
    }

    [Fact]
    public async Task StopAsync_SlowMethodRunningOnRedis_JobIsRetriedAndCompletesAfterRestart()
    {
        redis.SkipIfMissing();
        var signals = new Signals();
        // A short grace, and room after it for the hand-back to reach Redis even on a loaded machine.
        var settings = new Dictionary<string, string?>
        {
            ["Errand:Url"] = redis.Url,
            ["Errand:Queue"] = $"restart-{Guid.NewGuid():N}",
            ["Errand:Worker:ShutdownGracePeriod"] = "00:00:00.500",
        };
        void ShortShutdown(IServiceCollection s) => s.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        string key;
        using (var first = TestHosts.Build(settings, services: ShortShutdown, signals: signals))
        {
            await first.StartAsync(Ct);
            var started = signals.NextAsync();
            key = (await first.Services.GetRequiredService<IQueue>().EnqueueAsync<GreetingService>(s => s.SlowAsync("slow", default), cancellationToken: Ct)).Key;
            Assert.Equal(1, await started);

            await first.StopAsync(Ct);
        }

        using var second = TestHosts.Build(settings, services: ShortShutdown, signals: signals);
        var queue = second.Services.GetRequiredService<IQueue>();
        var handedBack = await queue.GetJobAsync(key, Ct);
        Assert.Equal((JobStatus.Queued, "cancelled"), (handedBack!.Status, handedBack.Error));
        await second.StartAsync(Ct);
        var done = await queue.WaitAsync(key, TestHosts.Timeout, Ct);

        Assert.Equal((JobStatus.Complete, 2), (done.Status, done.Attempts));
        await second.StopAsync(Ct);
    }

    [Theory]
    [InlineData(30, 40, 25)]
    [InlineData(2, 10, 1.5)]
    [InlineData(30, 10, 10)]
    [InlineData(4, 10, 3)]
    public void GracePeriod_LongerThanTheHostShutdownTimeoutAllows_IsShortenedToFit(double shutdownSeconds, double configuredSeconds, double expectedSeconds)
    {
        using var host = TestHosts.Build();
        var service = host.Services.GetServices<IHostedService>().OfType<ErrandWorkerService>().Single();

        var grace = service.GracePeriod(TimeSpan.FromSeconds(configuredSeconds), TimeSpan.FromSeconds(shutdownSeconds));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), grace);
    }
}
