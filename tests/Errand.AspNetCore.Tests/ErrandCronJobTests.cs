using Errand.Cron;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore.Tests;

/// <summary>Cron jobs added with <c>AddCronJob</c> are scheduled by the app's hosted worker of their queue.</summary>
public sealed class ErrandCronJobTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddCronJob_EverySecond_TheHostedWorkerOfItsQueueRunsIt()
    {
        // Real time, but no sleep: the test waits for the function's own signal, twice.
        var ranTwice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        using var host = TestHosts.Build(
            settings: new() { ["Errand:Queues:nightly:Concurrency"] = "1" },
            errand: errand => errand
                .AddFunctions((functions, _) => functions.Add("tick", _ =>
                {
                    if (Interlocked.Increment(ref runs) == 2)
                    {
                        ranTwice.TrySetResult();
                    }

                    return Task.CompletedTask;
                }))
                .AddCronJob(new CronJob("tick", "* * * * * *"), queue: "nightly"));
        await host.StartAsync(Ct);

        await ranTwice.Task.WaitAsync(TestHosts.Timeout, Ct);

        var queues = host.Services.GetRequiredService<IQueueProvider>();
        Assert.NotNull(await queues.Get("nightly").GetJobAsync("cron:tick", Ct));
        Assert.Null(await queues.Default.GetJobAsync("cron:tick", Ct));
        await host.StopAsync(Ct);
    }
}
