using Errand.Backends;
using Errand.Redis.Tests;
using Microsoft.Playwright;

namespace Errand.Dashboard.Tests;

/// <summary>The page in headless chromium over the real API and Redis; each test saves a screenshot under the test output.</summary>
public sealed class DashboardBrowserTests(RedisServerFixture redis, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Overview_JobsInEveryStatus_ShowsTheCountsAndTheChart()
    {
        await using var host = await StartAsync(queueName: "emails");
        var page = await OpenAsync(host, string.Empty);

        var row = page.Locator($"tr[data-queue='{host.Queue.Name}']");
        await Expect(row.Locator(".count-queued")).ToHaveTextAsync("2");
        await Expect(row.Locator(".count-active")).ToHaveTextAsync("1");
        await Expect(row.Locator(".count-scheduled")).ToHaveTextAsync("1");
        await Expect(row.Locator(".count-complete")).ToHaveTextAsync("1");
        await Expect(row.Locator(".count-failed")).ToHaveTextAsync("1");
        await Expect(row.Locator(".count-aborted")).ToHaveTextAsync("1");
        await Expect(page.Locator("#history-chart rect[data-series='complete']")).ToHaveCountAsync(1);
        await ScreenshotAsync(page, "overview");
    }

    [Fact]
    public async Task FailedJob_Opened_ShowsItsStackTraceAndHtmlArgumentsAsText()
    {
        await using var host = await StartAsync();
        var page = await OpenAsync(host, $"#/queues/{host.Queue.Name}/failed");

        await page.Locator("#jobs a", new() { HasText = "f1" }).ClickAsync();

        await Expect(page.Locator("#job-error")).ToContainTextAsync("at Authors.Email.SendAsync(String to) in /src/Authors/Email.cs:line 42");
        await Expect(page.Locator("#job-error")).ToContainTextAsync("the mail server said no <b>551</b>");
        await Expect(page.Locator("#job-kwargs")).ToContainTextAsync("<script>alert('x')</script>");
        await Expect(page.Locator("#job-kwargs")).ToContainTextAsync("<img src=x onerror=alert(1)>");
        Assert.Equal(0, await page.Locator("#job-kwargs script, #job-kwargs img, #job-error b").CountAsync());
        await Expect(page.Locator("#timeline [data-step='failed']")).ToBeVisibleAsync();
        await Expect(page.Locator("#attempts td.outcome")).ToHaveTextAsync(["retried", "retried", "failed"]);
        await BrowserPages.ReadmeScreenshotAsync(page, "failed-job");
    }

    [Fact]
    public async Task RetryButton_OnAFailedJob_ChangesItsStatusOnScreen()
    {
        await using var host = await StartAsync();
        var page = await OpenAsync(host, $"#/queues/{host.Queue.Name}/job/f1");
        await Expect(page.Locator("#job-status")).ToHaveTextAsync("failed");

        await page.Locator("#retry").ClickAsync();

        await Expect(page.Locator("#job-status")).ToHaveTextAsync("queued");
        await Expect(page.Locator("#flash")).ToContainTextAsync("queued again");
        Assert.Equal(JobStatus.Queued, (await host.Queue.GetJobAsync("f1", Ct))!.Status);
        await ScreenshotAsync(page, "retried-job");
    }

    [Fact]
    public async Task AbortButton_Confirmed_AbortsTheQueuedJob()
    {
        await using var host = await StartAsync();
        var page = await OpenAsync(host, $"#/queues/{host.Queue.Name}/job/q1");
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();

        await page.Locator("#abort").ClickAsync();

        await Expect(page.Locator("#job-status")).ToHaveTextAsync("aborted");
        await Expect(page.Locator("#flash")).ToContainTextAsync("was aborted");
    }

    [Fact]
    public async Task ReadOnlyDashboard_ShowsNoActionButtons()
    {
        await using var host = await StartAsync(o => o.ReadOnly = true);
        var failedJob = await OpenAsync(host, $"#/queues/{host.Queue.Name}/job/f1");
        await Expect(failedJob.Locator("#job-error")).ToBeVisibleAsync();
        await Expect(failedJob.Locator("#mode")).ToHaveTextAsync("read-only");
        Assert.Equal(0, await failedJob.Locator("#actions button").CountAsync());

        await failedJob.GotoAsync(new Uri(host.BaseAddress, $"#/queues/{host.Queue.Name}/failed").ToString());
        await Expect(failedJob.Locator("#jobs tr[data-key='f1']")).ToBeVisibleAsync();
        Assert.Equal(0, await failedJob.Locator("#retry-failed").CountAsync());
        await ScreenshotAsync(failedJob, "read-only");
    }

    [Fact]
    public async Task QueuePage_LimitedQueue_ShowsRunningAgainstTheLimitAndHeldJobs()
    {
        await using var host = await StartAsync();
        var limits = new QueueLimits { Keys = new Limit { Concurrency = 1 } };
        limits.Functions["report"] = new Limit { Concurrency = 2 };
        await host.Queue.Backend.SetLimitsAsync(limits, Ct);
        for (var i = 0; i < 5; i++)
        {
            await host.Queue.EnqueueAsync("report", options: new JobOptions { Key = $"r{i}" }, cancellationToken: Ct);
        }

        await host.Queue.EnqueueAsync("sync", options: new JobOptions { Key = "c1", GroupKey = "customer-7" }, cancellationToken: Ct);
        await host.Queue.EnqueueAsync("sync", options: new JobOptions { Key = "c2", GroupKey = "customer-7" }, cancellationToken: Ct);
        var taken = await host.Queue.Backend.DequeueAsync(new DequeueRequest("w", 10, TimeSpan.Zero), Ct);
        Assert.Equal(3, taken.Count(j => j.Key is "r0" or "r1" or "c1"));

        var page = await OpenAsync(host, $"#/queues/{host.Queue.Name}/queued");

        var report = page.Locator("#limits tr[data-limit='function:report']");
        await Expect(report.Locator(".running")).ToHaveTextAsync("2 / 2");
        await Expect(report.Locator(".held")).ToHaveTextAsync("3");
        await Expect(report).ToHaveClassAsync("full");
        var key = page.Locator("#limits tr[data-limit='key:customer-7']");
        await Expect(key.Locator(".running")).ToHaveTextAsync("1 / 1");
        await Expect(key.Locator(".held")).ToHaveTextAsync("1");

        // A job ends: the next refresh shows the freed slot.
        await host.Queue.Backend.FinishAsync(taken.Single(j => j.Key == "r0"), JobStatus.Complete, Ct);
        await Expect(report.Locator(".running")).ToHaveTextAsync("1 / 2");
        await ScreenshotAsync(page, "queue-limits");
    }

    [Fact]
    public async Task QueuePage_QueueWithoutLimits_ShowsNoLimitsCard()
    {
        await using var host = await StartAsync();
        var page = await OpenAsync(host, $"#/queues/{host.Queue.Name}/queued");

        await Expect(page.Locator("#queue-tiles")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("#limits").CountAsync());
        // The missing card leaves nothing behind (it once showed as the text "null" above the tabs).
        Assert.DoesNotContain("null", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private async Task<DashboardHost> StartAsync(Action<ErrandDashboardOptions>? configure = null, string? queueName = null)
    {
        chromium.SkipIfMissing();
        var host = await DashboardHost.StartAsync(redis, configure, queueName is null ? null : $"{queueName}-{Guid.NewGuid():N}"[..16]);
        await JobsInEveryStatus.CreateAsync(host.Queue, Ct);
        return host;
    }

    private Task<IPage> OpenAsync(DashboardHost host, string fragment) => BrowserPages.OpenAsync(chromium, host, fragment);

    private static Task ScreenshotAsync(IPage page, string name) => BrowserPages.ScreenshotAsync(page, name);
}
