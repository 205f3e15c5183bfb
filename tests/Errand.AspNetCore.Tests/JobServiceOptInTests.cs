using Authors;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore.Tests;

/// <summary>Only methods that opt in ([Job], or an entry in JobServiceOptions.Methods) run as jobs: enqueue refuses the others, and so does the worker.</summary>
public sealed class JobServiceOptInTests
{
    private const string NotAJob = "Errand.AspNetCore.Tests.GreetingService.CountGreetingsAsync";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EnqueueForServiceAsync_MethodNotOptedIn_ThrowsNamingItAndHowToOptIn()
    {
        using var host = TestHosts.Build(new() { ["Errand:RunWorker"] = "false" });
        await host.StartAsync(Ct);
        var queue = host.Services.GetRequiredService<IQueue>();

        var byName = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.EnqueueForServiceAsync<GreetingService>(nameof(GreetingService.CountGreetingsAsync), cancellationToken: Ct));
        var byCall = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.EnqueueAsync<GreetingService>(s => s.CountGreetingsAsync(), cancellationToken: Ct));

        foreach (var ex in new[] { byName, byCall })
        {
            Assert.Contains(NotAJob, ex.Message, StringComparison.Ordinal);
            Assert.Contains("[Job]", ex.Message, StringComparison.Ordinal);
            Assert.Contains("Methods", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, (await queue.CountAsync(Ct)).Queued);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Worker_JobOfAMethodNotOptedIn_FailsAsUnknownFunctionListingTheRegisteredOnes()
    {
        using var host = TestHosts.Build();
        await host.StartAsync(Ct);
        var queue = host.Services.GetRequiredService<IQueue>();

        // What the errand command, a Python SAQ client or a retry would send: the function name, with no C# check.
        var job = await queue.EnqueueAsync(NotAJob, null, cancellationToken: Ct);
        var done = await queue.WaitAsync(job.Key, TestHosts.Timeout, Ct);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Contains(NotAJob, done.Error, StringComparison.Ordinal);
        Assert.Contains("Errand.AspNetCore.Tests.GreetingService.GreetAsync", done.Error, StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddJobService_MethodListedInOptions_OptsInWithoutTheAttribute()
    {
        using var host = TestHosts.Build(errand: e => e.AddJobService<GreetingService>(o => o.Methods[nameof(GreetingService.CountGreetingsAsync)] = new JobOptions()));
        await host.StartAsync(Ct);
        var queue = host.Services.GetRequiredService<IQueue>();

        var job = await queue.EnqueueAsync<GreetingService>(s => s.CountGreetingsAsync(), cancellationToken: Ct);

        Assert.Equal(JobStatus.Complete, (await queue.WaitAsync(job.Key, TestHosts.Timeout, Ct)).Status);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AuthorsWorker_CreateAsyncEnqueuedByName_FailsAndCreatesNoAuthor()
    {
        await using var host = await AuthorsHost.StartAsync();

        var job = await host.Queue.EnqueueAsync("Authors.AuthorService.CreateAsync", new { request = new { name = "   ", email = "not an email" } }, cancellationToken: Ct);
        var done = await host.Queue.WaitAsync(job.Key, TestHosts.Timeout, Ct);

        Assert.Equal(JobStatus.Failed, done.Status);
        Assert.Contains("Authors.AuthorService.SendAuthorCreatedEmailAsync", done.Error, StringComparison.Ordinal);
        Assert.Empty((await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<AuthorDto[]>(host.Client, "/authors", Ct))!);
    }
}
