using Errand.AspNetCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.Testing.Tests;

/// <summary>What <see cref="ErrandTester"/>'s assertions accept, and what their failures say.</summary>
public sealed class ErrandTesterAssertionTests : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly ErrandTester _tester;
    private readonly IQueue _queue;

    public ErrandTesterAssertionTests()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddErrand().AddJobService<GreeterService>(o => o.ServiceName = "greeter");
        services.AddErrandTesting();
        _services = services.BuildServiceProvider();
        _tester = _services.GetRequiredService<ErrandTester>();
        _queue = _services.GetRequiredService<IQueue>();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public async Task AssertEnqueuedAsync_ServiceMethodWithEqualAndPredicateArguments_ReturnsTheJob()
    {
        var job = await _queue.EnqueueAsync<GreeterService>(s => s.GreetAsync(new Person("Ada", 36), "fr", default), cancellationToken: Ct);

        var found = await _tester.AssertEnqueuedAsync<GreeterService>(s => s.GreetAsync(Arg.Is<Person>(p => p.Age > 30), "fr", default), Ct);
        await _tester.AssertEnqueuedAsync<GreeterService>(s => s.GreetAsync(new Person("Ada", 36), Arg.Any<string>(), default), Ct);

        Assert.Equal(job.Key, found.Key);
        Assert.Equal("greeter.GreetAsync", found.Function);
    }

    [Fact]
    public async Task AssertEnqueuedAsync_ServiceMethodArgumentDiffers_ThrowsListingWhatWasEnqueued()
    {
        await _queue.EnqueueAsync<GreeterService>(s => s.GreetAsync(new Person("Ada", 36), "fr", default), cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<JobAssertionException>(() => _tester.AssertEnqueuedAsync<GreeterService>(s => s.GreetAsync(Arg.Is<Person>(p => p.Name == "Grace"), "fr", default), Ct));

        Assert.Contains("Expected a job of greeter.GreetAsync(person: Arg.Is(p => (p.Name == \"Grace\")), language: \"fr\")", ex.Message, StringComparison.Ordinal);
        Assert.Contains("The queue holds 1 job:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("greeter.GreetAsync {\"person\":{\"name\":\"Ada\",\"age\":36},\"language\":\"fr\"} (queued", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssertEnqueuedAsync_FunctionAndKwargs_MatchesByJsonAndByCondition()
    {
        await _queue.EnqueueAsync("report", new { day = "monday", pages = 3 }, cancellationToken: Ct);

        await _tester.AssertEnqueuedAsync("report", new { day = "monday", pages = 3 }, Ct);
        await _tester.AssertEnqueuedAsync("report", kwargs => kwargs.GetProperty("pages").GetInt32() > 2, Ct);
        var ex = await Assert.ThrowsAsync<JobAssertionException>(() => _tester.AssertEnqueuedAsync("report", new { day = "tuesday", pages = 3 }, Ct));

        Assert.Contains("Expected a job of report with kwargs {\"day\":\"tuesday\",\"pages\":3}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("report {\"day\":\"monday\",\"pages\":3}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssertEnqueuedCountAsync_TwoOfThree_PassesForTwoAndFailsForOtherCounts()
    {
        await _queue.EnqueueAsync("report", new { day = "monday" }, cancellationToken: Ct);
        await _queue.EnqueueAsync("report", new { day = "tuesday" }, cancellationToken: Ct);
        await _queue.EnqueueAsync("other", cancellationToken: Ct);

        var two = await _tester.AssertEnqueuedCountAsync("report", 2, Ct);
        var ex = await Assert.ThrowsAsync<JobAssertionException>(() => _tester.AssertEnqueuedCountAsync("report", 1, Ct));

        // Enqueued in the same millisecond of the fake clock: in no set order.
        Assert.Equal(["monday", "tuesday"], two.Select(j => j.Kwargs!.Value.GetProperty("day").GetString()).Order(StringComparer.Ordinal));
        Assert.Contains("Expected 1 jobs of report in queue 'default', found 2. The queue holds 3 jobs:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AssertEnqueuedCountAsync_ServiceMethodMatches_CountsOnlyTheMatchingCalls()
    {
        await _queue.EnqueueAsync<GreeterService>(s => s.GreetAsync(new Person("Ada", 36), "fr", default), cancellationToken: Ct);
        await _queue.EnqueueAsync<GreeterService>(s => s.GreetAsync(new Person("Grace", 85), "en", default), cancellationToken: Ct);

        var french = await _tester.AssertEnqueuedCountAsync<GreeterService>(s => s.GreetAsync(Arg.Any<Person>(), "fr", default), 1, Ct);

        Assert.Equal("Ada", french[0].Kwargs!.Value.GetProperty("person").GetProperty("name").GetString());
    }

    [Fact]
    public async Task AssertNothingEnqueuedAsync_EmptyQueue_PassesAndAfterAnEnqueue_ThrowsListingIt()
    {
        await _tester.AssertNothingEnqueuedAsync(Ct);
        await _queue.EnqueueAsync("report", new { day = "monday" }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<JobAssertionException>(() => _tester.AssertNothingEnqueuedAsync(Ct));

        Assert.Contains("Expected 0 jobs in queue 'default', found 1.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("report {\"day\":\"monday\"}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainAsync_ServiceMethodJob_RunsTheMethodInANewScope()
    {
        await _queue.EnqueueAsync<GreeterService>(s => s.GreetAsync(new Person("Ada", 36), "fr", default), cancellationToken: Ct);

        var job = Assert.Single(await _tester.DrainAsync(Ct));

        Assert.Equal(JobStatus.Complete, job.Status);
        Assert.Equal("Bonjour Ada", job.Result!.Value.GetString());
    }

    public sealed record Person(string Name, int Age);

    public sealed class GreeterService
    {
        private readonly string _hello = "Hello";

        [AspNetCore.Job]
        public Task<string> GreetAsync(Person person, string language, CancellationToken cancellationToken) =>
            Task.FromResult($"{(language == "fr" ? "Bonjour" : _hello)} {person.Name}");
    }
}
