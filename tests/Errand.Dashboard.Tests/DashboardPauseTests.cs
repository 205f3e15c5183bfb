using Errand.Redis.Tests;
using Microsoft.Playwright;

namespace Errand.Dashboard.Tests;

/// <summary>Pause and resume from the queue page, in headless chromium on a real Kestrel and Redis, with two real worker processes.</summary>
public sealed class DashboardPauseTests(RedisServerFixture redis, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Long enough for both workers to have read the flag at least once more (their check runs every second) and to
    // have taken a job had they been taking: the absence of a take has no notification to wait for.
    private static readonly TimeSpan AbsenceWindow = TimeSpan.FromSeconds(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PauseButton_TwoWorkerProcesses_RunningJobFinishesNewJobsWaitAndResumeRunsThem()
    {
        chromium.SkipIfMissing();
        await using var host = await DashboardHost.StartAsync(redis, o => o.PollInterval = TimeSpan.FromMilliseconds(500), $"pause-{Guid.NewGuid():N}"[..16]);
        var queue = host.Queue;
        using var first = WorkerProcess.Start(redis.Url, queue.Name, "--worker-info-interval", "1");
        using var second = WorkerProcess.Start(redis.Url, queue.Name, "--worker-info-interval", "1");
        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{queue.Name}/queued", width: 1400);
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await Expect(page.Locator("#qtile-workers .tile-value")).ToHaveTextAsync("2", new() { Timeout = 60_000 });

        // A job that runs across the pause: it must finish.
        var running = await EnqueueAndWaitActiveAsync(queue, "sleep-across-pause");
        await page.Locator("#pause-queue").ClickAsync();

        await Expect(page.Locator("#queue-state .badge.paused")).ToHaveTextAsync("paused");
        await Expect(page.Locator("#pause-queue")).ToHaveTextAsync("Resume queue");
        Assert.True(await queue.IsPausedAsync(Ct));
        await WaitForOutputAsync(first, $"sees queue {queue.Name} paused");
        await WaitForOutputAsync(second, $"sees queue {queue.Name} paused");

        var waiting = await queue.EnqueueManyAsync("add", Enumerable.Range(0, 6).Select(i => (object?)new { a = i, b = 1 }), cancellationToken: Ct);
        var finished = await queue.WaitAsync(running.Key, Patience, Ct);
        Assert.True(finished.Status == JobStatus.Complete, $"{finished.Status}: {finished.Error}");
        await Task.Delay(AbsenceWindow, TimeProvider.System, Ct);
        var stored = await queue.GetJobsAsync([.. waiting.Select(j => j.Key)], Ct);
        Assert.All(stored, j => Assert.Equal(JobStatus.Queued, j!.Status));
        await Expect(page.Locator("#qtile-queued .tile-value")).ToHaveTextAsync("6");

        var overview = await BrowserPages.OpenAsync(chromium, host, string.Empty, width: 1400);
        await Expect(overview.Locator($"tr[data-queue='{queue.Name}'] .badge.paused")).ToHaveTextAsync("paused");
        await Expect(overview.Locator("#tile-paused .tile-value")).ToHaveTextAsync("1 / 1");

        await page.Locator("#pause-queue").ClickAsync();

        await Expect(page.Locator("#pause-queue")).ToHaveTextAsync("Pause queue");
        await Expect(page.Locator("#queue-state .badge.paused")).ToHaveCountAsync(0);
        foreach (var job in waiting)
        {
            var done = await queue.WaitAsync(job.Key, Patience, Ct);
            Assert.True(done.Status == JobStatus.Complete, $"{done.Status}: {done.Error}\n{first.Output}\n{second.Output}");
        }

        Assert.False(await queue.IsPausedAsync(Ct));
        await Expect(overview.Locator($"tr[data-queue='{queue.Name}'] .badge.paused")).ToHaveCountAsync(0);
        Assert.Contains($"sees queue {queue.Name} resumed", first.Output, StringComparison.Ordinal);
        Assert.Contains($"sees queue {queue.Name} resumed", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueuePage_ReadOnlyDashboard_HasNoPauseButtonButShowsThePause()
    {
        chromium.SkipIfMissing();
        await using var host = await DashboardHost.StartAsync(redis, o => o.ReadOnly = true);
        await host.Queue.PauseAsync(Ct);

        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/queued");

        await Expect(page.Locator("#queue-state .badge.paused")).ToHaveTextAsync("paused");
        await Expect(page.Locator("#pause-queue")).ToHaveCountAsync(0);
    }

    private static async Task<Job> EnqueueAndWaitActiveAsync(Queue queue, string key)
    {
        await using var subscription = await queue.Backend.SubscribeAsync([key], Ct);
        var job = await queue.EnqueueAsync("sleep", new { seconds = 1.5 }, new JobOptions { Key = key }, Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Patience);
        await foreach (var change in subscription.Changes.ReadAllAsync(timeout.Token))
        {
            if (change.Status == JobStatus.Active)
            {
                break;
            }
        }

        return job;
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    // The worker process's log is its only voice; read as it grows.
    private static async Task WaitForOutputAsync(WorkerProcess worker, string text)
    {
        var deadline = TimeProvider.System.GetUtcNow() + Patience;
        while (!worker.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"the worker never printed '{text}':\n{worker.Output}");
            Assert.False(worker.HasExited, $"the worker exited:\n{worker.Output}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, Ct);
        }
    }
}
