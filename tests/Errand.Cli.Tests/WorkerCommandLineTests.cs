using Errand.Hosting;

namespace Errand.Cli.Tests;

/// <summary>The pieces of the worker host that need no process: child arguments and restart backoff.</summary>
public sealed class WorkerCommandLineTests
{
    [Theory]
    [InlineData(new[] { "--url", "redis://h:1", "--workers", "3", "-v" }, new[] { "--url", "redis://h:1", "-v" })]
    [InlineData(new[] { "--workers=4", "--queue", "q", "--web", "--port", "0", "--bind=0.0.0.0" }, new[] { "--queue", "q" })]
    [InlineData(new[] { "--queue", "--workers-of-mine" }, new[] { "--queue", "--workers-of-mine" })]
    public void ChildArguments_OfTheParent_DropTheWorkersAndDashboardOptionsOnly(string[] args, string[] expected) =>
        Assert.Equal(expected, WorkerCommandLine.ChildArguments(args));

    [Fact]
    public void Backoff_RepeatedCrashes_DoublesFromHalfASecondUpToThirtySeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(0.5), WorkerSupervisor.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(1), WorkerSupervisor.Backoff(2));
        Assert.Equal(TimeSpan.FromSeconds(16), WorkerSupervisor.Backoff(6));
        Assert.Equal(TimeSpan.FromSeconds(30), WorkerSupervisor.Backoff(7));
        Assert.Equal(TimeSpan.FromSeconds(30), WorkerSupervisor.Backoff(1000));
    }

    [Fact]
    public async Task RunAsync_BadConcurrency_ExitsTwo()
    {
        var code = await ErrandWorkerHost.RunAsync(["--concurrency", "0"], _ => { }, TestContext.Current.CancellationToken);

        Assert.Equal(ErrandWorkerHost.UsageExitCode, code);
    }
}
