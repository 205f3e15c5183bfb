using Errand.Backends;
using Errand.Redis.Tests;
using Microsoft.Playwright;

namespace Errand.Dashboard.Tests;

/// <summary>The operator's pages in headless chromium on a real Kestrel and Redis: tiles, charts, filters, selection, bulk actions, layout.</summary>
public sealed class DashboardCockpitTests(RedisServerFixture redis, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Overview_JobsInEveryStatus_ShowsTilesHourBarsWithValuesAndASparkline()
    {
        await using var host = await StartAsync();
        var page = await BrowserPages.OpenAsync(chromium, host, string.Empty, width: 1400);

        await Expect(page.Locator("#tile-processed .tile-value")).ToHaveTextAsync("2");
        await Expect(page.Locator("#tile-failed .tile-value")).ToHaveTextAsync("1");
        await Expect(page.Locator("#tile-queued .tile-value")).ToHaveTextAsync("2");
        await Expect(page.Locator("#tile-scheduled .tile-value")).ToHaveTextAsync("1");
        await Expect(page.Locator("#tile-running .tile-value")).ToHaveTextAsync("1 / 0");
        await Expect(page.Locator("#tile-workers .tile-value")).ToHaveTextAsync("0");
        Assert.Equal(60, await page.Locator("#history-chart rect.hover").CountAsync());
        Assert.True(await page.Locator("#history-chart text.x-label").CountAsync() >= 6, "the hour's axis has a label every 10 minutes");
        var titles = await page.Locator("#history-chart rect.hover title").AllTextContentsAsync();
        Assert.Equal(1, titles.Sum(t => CountOf(t, "complete")));
        Assert.Equal(1, titles.Sum(t => CountOf(t, "failed")));
        await Expect(page.Locator("#history-chart rect[data-series='failed']")).ToHaveCountAsync(1);
        await Expect(page.Locator($"tr[data-queue='{host.Queue.Name}'] svg.sparkline polyline")).ToHaveCountAsync(1);
        await BrowserPages.AssertNoHorizontalScrollAsync(page, "overview at 1400 px");
    }

    [Fact]
    public async Task Overview_JobsTheTestMadeRetry_RetryingTileCountsThoseNotFinishedInTotalPerQueueAndOnTheQueuePage()
    {
        await using var host = await StartAsync(o => o.PollInterval = TimeSpan.FromMilliseconds(500), withJobs: false);
        var backend = host.Queue.Backend;
        foreach (var key in (string[])["r-running", "r-waiting", "r-done", "r-failed", "plain"])
        {
            await backend.EnqueueAsync(new Job("send_email", host.Queue.Name, key) { Retries = 3 }, Ct);
        }

        async Task<Job> Take(string key)
        {
            var job = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w", 1, TimeSpan.Zero), Ct));
            Assert.Equal(key, job.Key);
            return job;
        }

        // Each r- job fails once and is queued again: r-running is taken again, r-waiting waits an hour for its retry,
        // r-done then completes and r-failed then fails for good; plain never fails. Two are retrying.
        foreach (var key in (string[])["r-running", "r-waiting", "r-done", "r-failed"])
        {
            var failedOnce = await Take(key);
            failedOnce.Error = "System.TimeoutException: no answer";
            await backend.RetryAsync(failedOnce, key == "r-waiting" ? TimeSpan.FromHours(1) : TimeSpan.Zero, Ct);
        }

        await Take("plain");
        var again = await Take("r-running");
        Assert.Equal(2, again.Attempts);
        await backend.FinishAsync(await Take("r-done"), JobStatus.Complete, Ct);
        await backend.FinishAsync(await Take("r-failed"), JobStatus.Failed, Ct);
        Assert.Equal(2, (await backend.CountAsync(Ct)).Retrying);

        var page = await BrowserPages.OpenAsync(chromium, host, string.Empty, width: 1400);
        await Expect(page.Locator("#tile-retrying .tile-value")).ToHaveTextAsync("2");
        await Expect(page.Locator("#tile-retrying .tile-label")).ToHaveTextAsync("retrying");
        await Expect(page.Locator("#tile-retried .tile-value")).ToHaveTextAsync("4");
        await Expect(page.Locator($"tr[data-queue='{host.Queue.Name}'] .count-retrying")).ToHaveTextAsync("2");
        await BrowserPages.AssertNoHorizontalScrollAsync(page, "overview with the retrying tile at 1400 px");

        // The running one completes: the tiles follow at the next refresh.
        await backend.FinishAsync(again, JobStatus.Complete, Ct);
        await Expect(page.Locator("#tile-retrying .tile-value")).ToHaveTextAsync("1");
        await Expect(page.Locator($"tr[data-queue='{host.Queue.Name}'] .count-retrying")).ToHaveTextAsync("1");
        var queuePage = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/scheduled", width: 1400);
        await Expect(queuePage.Locator("#qtile-retrying .tile-value")).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task Overview_SevenDayChart_HasAnHourlyBarPerHourDayLabelsValuesOnHoverAndTodaysTiles()
    {
        await using var host = await StartAsync();
        var page = await BrowserPages.OpenAsync(chromium, host, string.Empty, width: 1400);

        await Expect(page.Locator("#week-chart rect.hover")).ToHaveCountAsync(168);
        // A label at each local midnight: 7 in 168 hours (6 or 8 across a change of daylight saving time).
        Assert.InRange(await page.Locator("#week-chart text.x-label").CountAsync(), 6, 8);
        var titles = await page.Locator("#week-chart rect.hover title").AllTextContentsAsync();
        Assert.Contains("complete 1, failed 1, retried 2, aborted 1", titles[^1], StringComparison.Ordinal);
        Assert.Equal(0, titles.SkipLast(1).Sum(t => CountOf(t, "complete") + CountOf(t, "failed") + CountOf(t, "retried") + CountOf(t, "aborted")));
        await Expect(page.Locator("#week-chart rect[data-series='retried']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#tile-retried .tile-value")).ToHaveTextAsync("2");
        await Expect(page.Locator("#tile-processed .tile-label")).ToHaveTextAsync("processed today");
        await Expect(page.Locator("#history-week .legend .retried")).ToHaveTextAsync("retried 2");
        await BrowserPages.AssertNoHorizontalScrollAsync(page, "overview with the week at 1400 px");
        var narrow = await BrowserPages.OpenAsync(chromium, host, string.Empty, width: 800);
        await Expect(narrow.Locator("#week-chart rect.hover")).ToHaveCountAsync(168);
        await BrowserPages.AssertNoHorizontalScrollAsync(narrow, "overview with the week at 800 px");
        await BrowserPages.ScreenshotAsync(narrow, "overview-week-800");
    }

    [Theory]
    [InlineData(1400)]
    [InlineData(800)]
    public async Task JobPage_FailedTwiceThenCompleted_ShowsEachAttemptWithWorkerDurationAndError(int width)
    {
        await using var host = await StartAsync(withJobs: false);
        var backend = host.Queue.Backend;
        await backend.EnqueueAsync(new Job("send_email", host.Queue.Name, "t1") { Retries = 3 }, Ct);
        foreach (var worker in (string[])["host-a:1", "host-b:2"])
        {
            var attempt = Assert.Single(await backend.DequeueAsync(new DequeueRequest(worker, 1, TimeSpan.Zero), Ct));
            attempt.Error = "System.Net.Sockets.SocketException: connection refused by " + worker + "\n   at Authors.Email.SendAsync(String to)";
            await backend.RetryAsync(attempt, TimeSpan.Zero, Ct);
        }

        var last = Assert.Single(await backend.DequeueAsync(new DequeueRequest("host-a:1", 1, TimeSpan.Zero), Ct));
        last.Error = null; // as the worker clears it when a function returns
        await backend.FinishAsync(last, JobStatus.Complete, Ct);

        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/job/t1", width: width);
        await Expect(page.Locator("#job-status")).ToHaveTextAsync("complete");
        var rows = page.Locator("#attempts tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(page.Locator("#attempts td.outcome")).ToHaveTextAsync(["retried", "retried", "complete"]);
        await Expect(page.Locator("#attempts td.worker")).ToHaveTextAsync(["host-a:1", "host-b:2", "host-a:1"]);
        await Expect(rows.Nth(1).Locator("td.error summary")).ToHaveTextAsync("System.Net.Sockets.SocketException: connection refused by host-b:2");
        await Expect(rows.Nth(2).Locator("td.error")).ToHaveTextAsync(string.Empty);
        Assert.All(await page.Locator("#attempts td.took").AllTextContentsAsync(), t => Assert.NotEqual("–", t));
        await rows.Nth(0).Locator("summary").ClickAsync();
        await Expect(rows.Nth(0).Locator("pre.error")).ToContainTextAsync("at Authors.Email.SendAsync(String to)");
        await BrowserPages.AssertNoHorizontalScrollAsync(page, $"job page with attempts at {width} px");
        Assert.True(await page.EvaluateAsync<bool>("(() => { const s = document.querySelector('#attempts').parentElement; return s.scrollWidth <= s.clientWidth; })()"), "the attempts table fits without scrolling");
        await BrowserPages.ScreenshotAsync(page, $"attempts-{width}");
    }

    [Fact]
    public async Task Overview_WorkerRunsABurstWithFailures_LiveChartShowsTheRateAndReadmeScreenshotIsSaved()
    {
        await using var host = await StartAsync(o => o.PollInterval = TimeSpan.FromMilliseconds(500), withJobs: false, queueName: "emails");
        var functions = new JobFunctions()
            .Add<SendArgs>("send_email", async (args, context) =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, context.CancellationToken); // the work of sending
                if (args.To.EndsWith("@bounce.example", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("mailbox unavailable");
                }
            })
            .Add<SendArgs>("resize_image", (_, _) => Task.CompletedTask);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var worker = new Worker(host.Queue, functions, new WorkerOptions { Concurrency = 2, WorkerInfoInterval = TimeSpan.FromSeconds(1), DequeueWait = TimeSpan.FromMilliseconds(200) });
        var running = worker.RunAsync(stop.Token);
        var page = await BrowserPages.OpenAsync(chromium, host, string.Empty, width: 1400, height: 1000);
        await Expect(page.Locator("#tile-workers .tile-value")).ToHaveTextAsync("1");
        await Expect(page.Locator("#tile-running .tile-value")).ToHaveTextAsync("0 / 2");

        // Eight waves, each waited for on screen, so the live chart has several points over some seconds.
        var (done, failed) = (0, 0);
        for (var wave = 0; wave < 8; wave++)
        {
            var emails = Enumerable.Range(wave * 40, 40).Select(i => new { to = i % 6 == 0 ? $"u{i}@bounce.example" : $"u{i}@example.com" }).ToList();
            await host.Queue.EnqueueManyAsync("send_email", emails, cancellationToken: Ct);
            await host.Queue.EnqueueManyAsync("resize_image", Enumerable.Range(0, 10 * (1 + (wave % 3))).Select(i => new { to = $"img{wave}-{i}" }), cancellationToken: Ct);
            (done, failed) = (done + 40 + (10 * (1 + (wave % 3))), failed + emails.Count(e => e.to.EndsWith("@bounce.example", StringComparison.Ordinal)));
            await Expect(page.Locator("#tile-processed .tile-value")).ToHaveTextAsync(done.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        }

        await Expect(page.Locator("#tile-failed .tile-value")).ToHaveTextAsync(failed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Some refresh saw jobs end since the one before: the live chart has a point above zero.
        await page.WaitForFunctionAsync("[...document.querySelectorAll('#live-chart rect.hover title')].some(t => /processed [1-9]/.test(t.textContent))", null, new() { Timeout = 30_000 });
        await Expect(page.Locator("#live-chart polyline[data-series='processed']")).ToHaveCountAsync(1);
        await BrowserPages.ReadmeScreenshotAsync(page, "overview");

        var queuePage = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/failed", width: 1400, height: 1000);
        await Expect(queuePage.Locator("#range")).ToHaveTextAsync($"1–50 of {failed}");
        await queuePage.Locator("#jobs tbody tr input[type=checkbox]").Nth(0).CheckAsync();
        await queuePage.Locator("#jobs tbody tr input[type=checkbox]").Nth(2).CheckAsync();
        await Expect(queuePage.Locator("#selected-count")).ToHaveTextAsync("2 selected");
        await BrowserPages.ReadmeScreenshotAsync(queuePage, "queue");
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task QueuePage_FilterByFunctionThenKeyPrefix_ShowsOnlyTheMatches()
    {
        await using var host = await StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await host.Queue.EnqueueAsync("resize_image", new { width = 100 }, new JobOptions { Key = $"img-{i}" }, Ct);
        }

        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/queued");
        await Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(5);
        await Expect(page.Locator("#qtile-processed .tile-value")).ToHaveTextAsync("2");
        await Expect(page.Locator("#qtile-failed .tile-value")).ToHaveTextAsync("1");
        await Expect(page.Locator("#qtile-queued .tile-value")).ToHaveTextAsync("5");
        await Expect(page.Locator("#qtile-running .tile-value")).ToHaveTextAsync("1 / 0");
        await Expect(page.Locator("#queue-tiles svg.sparkline")).ToHaveCountAsync(1);
        await Expect(page.Locator("#selection")).ToHaveTextAsync("0 selectedSelect all 5 queued");

        await page.Locator("#filter-function").SelectOptionAsync("resize_image");
        await Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#jobs td.fn", new() { HasText = "send_email" })).ToHaveCountAsync(0);

        await page.Locator("#filter-prefix").FillAsync("img-1");
        await page.Locator("#filter-prefix").PressAsync("Enter");
        await Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#jobs tbody tr[data-key='img-1']")).ToBeVisibleAsync();
        Assert.Contains("function=resize_image", page.Url, StringComparison.Ordinal);

        await page.Locator("#clear-filter").ClickAsync();
        await Expect(page.Locator("#jobs tbody tr")).ToHaveCountAsync(5);

        // An exact key of a job in another status: the empty page offers its job page.
        await page.Locator("#filter-prefix").FillAsync("f1");
        await page.Locator("#filter-prefix").PressAsync("Enter");
        await page.Locator("#open-key").ClickAsync();
        await Expect(page.Locator("#job-status")).ToHaveTextAsync("failed");
    }

    [Fact]
    public async Task QueuePage_FilterApplied_KeepsRefreshingWhileTheFieldHasFocus()
    {
        await using var host = await StartAsync(o => o.PollInterval = TimeSpan.FromMilliseconds(300));
        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/queued");
        await page.Locator("#filter-prefix").FillAsync("late");
        await page.Locator("#filter-prefix").PressAsync("Enter");
        await Expect(page.Locator("#filter-prefix")).ToBeFocusedAsync();

        await host.Queue.EnqueueAsync("send_email", new { to = "x" }, new JobOptions { Key = "late-1" }, Ct);

        await Expect(page.Locator("#jobs tr[data-key='late-1']")).ToBeVisibleAsync();
        await Expect(page.Locator("#filter-prefix")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task QueuePage_LongKey_IsShortenedWithTheFullKeyOnHoverAndCopied_AndTimesAreRelative()
    {
        await using var host = await StartAsync();
        var key = Guid.NewGuid().ToString();
        await host.Queue.EnqueueAsync("send_email", new { to = "x@example.com" }, new JobOptions { Key = key }, Ct);
        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/queued");

        var link = page.Locator($"#jobs tr[data-key='{key}'] td.key a");
        await Expect(link).ToHaveTextAsync($"{key[..8]}…{key[^6..]}");
        await Expect(link).ToHaveAttributeAsync("title", key);
        var time = page.Locator($"#jobs tr[data-key='{key}'] td.when time");
        await Expect(time).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(just now|\\d+ s ago)$"));
        Assert.False(string.IsNullOrEmpty(await time.GetAttributeAsync("title")));

        await page.Locator($"#jobs tr[data-key='{key}'] button.copy").ClickAsync();
        await Expect(page.Locator("#flash")).ToContainTextAsync("Copied " + key);
        Assert.Equal(key, await page.EvaluateAsync<string>("navigator.clipboard.readText()"));
    }

    [Fact]
    public async Task QueuePage_SelectAllOf1000FailedJobsAndRetry_QueuesEveryOneAgainAfterConfirmation()
    {
        await using var host = await StartAsync(withJobs: false);
        await FailManyAsync(host.Queue, 1000);
        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/failed");
        string? question = null;
        page.Dialog += (_, dialog) => { question = dialog.Message; _ = dialog.AcceptAsync(); };

        await Expect(page.Locator("#range")).ToHaveTextAsync("1–50 of 1,000");
        await page.Locator("#select-all").ClickAsync();
        await Expect(page.Locator("#selected-count")).ToHaveTextAsync("All 1,000 matching jobs selected");
        await page.Locator("#bulk-retry").ClickAsync();

        await Expect(page.Locator("#flash")).ToHaveTextAsync("1,000 jobs queued again.", new() { Timeout = 60_000 });
        Assert.Equal("Queue 1,000 failed jobs of \"" + host.Queue.Name + "\" again?", question);
        Assert.Equal(1000, (await host.Queue.CountAsync(Ct)).Queued);
        await Expect(page.Locator("#range")).ToHaveTextAsync("0");
    }

    [Fact]
    public async Task QueuePage_SelectAllOf1000FailedJobsAndDelete_DeletesEveryOneAfterConfirmation()
    {
        await using var host = await StartAsync(withJobs: false);
        await FailManyAsync(host.Queue, 1000);
        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/failed");
        string? question = null;
        page.Dialog += (_, dialog) => { question = dialog.Message; _ = dialog.AcceptAsync(); };

        await page.Locator("#select-all").ClickAsync();
        await page.Locator("#bulk-delete").ClickAsync();

        await Expect(page.Locator("#flash")).ToHaveTextAsync("1,000 jobs deleted.", new() { Timeout = 60_000 });
        Assert.Equal("Delete for ever 1,000 failed jobs of \"" + host.Queue.Name + "\"?", question);
        Assert.Equal(0, (await host.Queue.ListJobsAsync(new JobQuery(JobStatus.Failed), Ct)).Total);
        Assert.Null(await host.Queue.GetJobAsync("bulk-0500", Ct));
        await Expect(page.Locator("#range")).ToHaveTextAsync("0");
    }

    [Fact]
    public async Task QueuePage_TwoQueuedJobsPickedByKeyboardAndAborted_OnlyThoseAreAborted()
    {
        await using var host = await StartAsync();
        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/queued");
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();

        await page.Locator("body").PressAsync("/");
        await Expect(page.Locator("#filter-prefix")).ToBeFocusedAsync();
        await page.Locator("#jobs tr[data-key='q1'] input[type=checkbox]").FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(page.Locator("#selected-count")).ToHaveTextAsync("1 selected");
        await Expect(page.Locator("#selection")).Not.ToContainTextAsync("null");
        await page.Locator("#jobs tr[data-key='q2'] input[type=checkbox]").CheckAsync();
        await page.Locator("#bulk-abort").ClickAsync();

        await Expect(page.Locator("#flash")).ToHaveTextAsync("2 jobs aborted.");
        Assert.Equal(JobStatus.Aborted, (await host.Queue.GetJobAsync("q1", Ct))!.Status);
        Assert.Equal(JobStatus.Aborted, (await host.Queue.GetJobAsync("q2", Ct))!.Status);
        Assert.Equal(JobStatus.Queued, (await host.Queue.GetJobAsync("s1", Ct))!.Status);
    }

    [Fact]
    public async Task JobPage_RetriedPastItsRetries_ReadsSensibly_FinishedHasNoProgressNorScheduled_RepeatedFrameShownOnce()
    {
        await using var host = await StartAsync(withJobs: false);
        var backend = host.Queue.Backend;
        const string Frame = "   at Authors.Email.SendAsync(String to) in /src/Authors/Email.cs:line 42";
        const string Error = "System.InvalidOperationException: no\n" + Frame + "\n" + Frame + "\n   at Errand.Worker.RunAsync()";
        async Task TakeAndFailAsync()
        {
            var job = Assert.Single(await backend.DequeueAsync(new DequeueRequest("w", 1, TimeSpan.Zero), Ct));
            job.Error = Error;
            await backend.FinishAsync(job, JobStatus.Failed, Ct);
        }

        await backend.EnqueueAsync(new Job("send_email", host.Queue.Name, "r1") { Retries = 1 }, Ct);
        await TakeAndFailAsync();
        await host.Queue.RetryAsync("r1", Ct);
        await TakeAndFailAsync();
        await host.Queue.RetryAsync("r1", Ct);

        var page = await BrowserPages.OpenAsync(chromium, host, $"#/queues/{host.Queue.Name}/job/r1");
        await Expect(page.Locator("#job-status")).ToHaveTextAsync("queued");
        await Expect(page.Locator("dl.fields dd").Nth(2)).ToHaveTextAsync("2 (1 allowed)");
        await Expect(page.Locator(".progress")).ToHaveCountAsync(1);
        // The field "scheduled" (a relative time elsewhere on the page can read "now" too).
        await Expect(page.Locator("dl.fields dt:text-is('scheduled') + dd")).ToHaveTextAsync("now");
        // An operator's retry adds no attempt: the two that failed are listed, nothing for the retry itself.
        await Expect(page.Locator("#attempts td.outcome")).ToHaveTextAsync(["failed", "failed"]);

        await TakeAndFailAsync();
        await Expect(page.Locator("#job-status")).ToHaveTextAsync("failed");
        await Expect(page.Locator(".progress")).ToHaveCountAsync(0);
        await Expect(page.Locator("dl.fields dt", new() { HasText = "scheduled" })).ToHaveCountAsync(0);
        await Expect(page.Locator("#attempts td.outcome")).ToHaveTextAsync(["failed", "failed", "failed"]);
        await Expect(page.Locator("#attempts tbody tr").Nth(2)).ToHaveAttributeAsync("data-attempt", "3");
        var error = await page.Locator("#job-error").TextContentAsync();
        Assert.Equal(1, CountOf(error!, "Email.SendAsync", word: false));
        Assert.Contains("at Errand.Worker.RunAsync()", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkersPage_LiveWorker_IsATableWithHostPidSlotsAndFunctions()
    {
        await using var host = await StartAsync(withJobs: false);
        var functions = new JobFunctions().Add("send_email", _ => Task.CompletedTask).Add("resize_image", _ => Task.CompletedTask);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var worker = new Worker(host.Queue, functions, new WorkerOptions { Concurrency = 4, WorkerInfoInterval = TimeSpan.FromSeconds(1) });
        var running = worker.RunAsync(stop.Token);

        var page = await BrowserPages.OpenAsync(chromium, host, "#/workers");
        var row = page.Locator($"#workers tr[data-worker='{worker.Id}']");
        await Expect(row.Locator("td.host")).ToHaveTextAsync(Environment.MachineName);
        await Expect(row.Locator("td.pid")).ToHaveTextAsync(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(row.Locator("td.slots")).ToHaveTextAsync("0 / 4");
        await Expect(row.Locator("td.functions code")).ToHaveTextAsync(["send_email", "resize_image"]);
        Assert.Equal(0, await page.Locator("#workers pre").CountAsync());
        await BrowserPages.AssertNoHorizontalScrollAsync(page, "workers");
        await BrowserPages.ScreenshotAsync(page, "workers");
        await stop.CancelAsync();
        await running;
    }

    [Theory]
    [InlineData(1400)]
    [InlineData(800)]
    public async Task EveryPage_AtThisWidth_HasNoHorizontalScroll(int width)
    {
        await using var host = await StartAsync();
        await host.Queue.EnqueueAsync("a_rather_long_function_name_for_a_job", new { to = "x" }, new JobOptions { Key = Guid.NewGuid().ToString() + Guid.NewGuid() }, Ct);
        foreach (var fragment in new[] { string.Empty, $"#/queues/{host.Queue.Name}/queued", $"#/queues/{host.Queue.Name}/failed", $"#/queues/{host.Queue.Name}/job/f1", "#/workers" })
        {
            var page = await BrowserPages.OpenAsync(chromium, host, fragment, width: width);
            await BrowserPages.AssertNoHorizontalScrollAsync(page, $"'{fragment}' at {width} px");
            await BrowserPages.ScreenshotAsync(page, $"width-{width}-{fragment.Split('/').Last()}");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Overview_DarkColorScheme_DrawsOnADarkBackground()
    {
        await using var host = await StartAsync();
        var page = await BrowserPages.OpenAsync(chromium, host, string.Empty, scheme: ColorScheme.Dark);

        var background = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        Assert.Equal("rgb(17, 21, 32)", background);
        await BrowserPages.ScreenshotAsync(page, "overview-dark");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static int CountOf(string title, string series, bool word = true)
    {
        if (!word)
        {
            return title.Split(series).Length - 1;
        }

        var match = System.Text.RegularExpressions.Regex.Match(title, series + " (\\d+)");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static async Task FailManyAsync(Queue queue, int count)
    {
        var backend = queue.Backend;
        await queue.EnqueueManyAsync([.. Enumerable.Range(0, count).Select(i => new Job("send_email", queue.Name, $"bulk-{i:D4}"))], Ct);
        for (var done = 0; done < count;)
        {
            var taken = await backend.DequeueAsync(new DequeueRequest("w", 200, TimeSpan.Zero), Ct);
            await Task.WhenAll(taken.Select(job => { job.Error = "boom"; return backend.FinishAsync(job, JobStatus.Failed, Ct); }));
            done += taken.Count;
        }
    }

    private async Task<DashboardHost> StartAsync(Action<ErrandDashboardOptions>? configure = null, bool withJobs = true, string? queueName = null)
    {
        chromium.SkipIfMissing();
        var host = await DashboardHost.StartAsync(redis, configure, queueName is null ? null : $"{queueName}-{Guid.NewGuid():N}"[..16]);
        if (withJobs)
        {
            await JobsInEveryStatus.CreateAsync(host.Queue, Ct);
        }

        return host;
    }

    private sealed record SendArgs(string To);
}
