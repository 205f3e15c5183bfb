using System.Text.Json;
using Errand.Cron;
using Microsoft.Extensions.Time.Testing;

namespace Errand.Testing.Tests;

/// <summary>Running jobs with <see cref="ErrandTester"/> over a plain in-memory queue on a fake clock.</summary>
public sealed class ErrandTesterTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly Queue _queue;
    private readonly List<string> _calls = [];

    public ErrandTesterTests() => _queue = Queue.InMemory("t", time: _clock);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync() => await _queue.DisposeAsync();

    private ErrandTester Tester(JobFunctions functions, Action<ErrandTesterOptions>? configure = null)
    {
        var options = new ErrandTesterOptions { Clock = _clock };
        configure?.Invoke(options);
        return new ErrandTester(_queue, functions, options);
    }

    private JobFunctions Recording() => new JobFunctions()
        .Add<AddArgs, int>("add", (a, _) =>
        {
            _calls.Add($"add {a.A} {a.B} at {_clock.GetUtcNow():HH:mm:ss}");
            return Task.FromResult(a.A + a.B);
        })
        .Add("tick", _ =>
        {
            _calls.Add($"tick at {_clock.GetUtcNow():HH:mm:ss}");
            return Task.CompletedTask;
        });

    private sealed record AddArgs(int A, int B);

    [Fact]
    public async Task DrainAsync_ReadyJobs_RunsEachOnceAndReturnsThemComplete()
    {
        using var tester = Tester(Recording());
        await _queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: Ct);
        await _queue.EnqueueAsync("add", new { a = 3, b = 4 }, cancellationToken: Ct);

        var ran = await tester.DrainAsync(Ct);

        Assert.Equal(["add 1 2 at 00:00:00", "add 3 4 at 00:00:00"], _calls);
        Assert.All(ran, job => Assert.Equal(JobStatus.Complete, job.Status));
        Assert.Equal([3, 7], ran.Select(j => j.Result!.Value.GetInt32()));
        Assert.Equal(0, (await _queue.CountAsync(Ct)).Incomplete);
    }

    [Fact]
    public async Task DrainAsync_JobEnqueuesAnother_RunsTheSecondInTheSameDrain()
    {
        var functions = Recording().Add("fan_out", async context =>
        {
            await _queue.EnqueueAsync("add", new { a = 5, b = 5 }, cancellationToken: context.CancellationToken);
            _calls.Add("fan_out");
        });
        using var tester = Tester(functions);
        await _queue.EnqueueAsync("fan_out", cancellationToken: Ct);

        var ran = await tester.DrainAsync(Ct);

        Assert.Equal(["fan_out", "add 5 5 at 00:00:00"], _calls);
        Assert.Equal(["fan_out", "add"], ran.Select(j => j.Function));
    }

    [Fact]
    public async Task DrainAsync_JobScheduledIn5Seconds_NotRunUntilAdvanceAsyncReachesIt()
    {
        using var tester = Tester(Recording());
        await _queue.EnqueueAsync("add", new { a = 1, b = 1 }, new JobOptions { Delay = TimeSpan.FromSeconds(5) }, Ct);

        var drained = await tester.DrainAsync(Ct);
        var early = await tester.AdvanceAsync(TimeSpan.FromSeconds(4), Ct);
        var due = await tester.AdvanceAsync(TimeSpan.FromSeconds(1), Ct);

        Assert.Empty(drained);
        Assert.Empty(early);
        Assert.Equal(JobStatus.Complete, Assert.Single(due).Status);
        Assert.Equal(["add 1 1 at 00:00:05"], _calls);
    }

    [Fact]
    public async Task AdvanceAsync_CronEveryMinuteFor10Minutes_RunsItTenTimesOnTheMinute()
    {
        using var tester = Tester(Recording(), o => o.CronJobs.Add(new CronJob("tick", "* * * * *")));

        await tester.AdvanceAsync(TimeSpan.FromMinutes(10), Ct);

        Assert.Equal(Enumerable.Range(1, 10).Select(m => $"tick at 00:{m:00}:00"), _calls);
    }

    [Fact]
    public async Task AdvanceAsync_CronEveryOtherMinute_RunsItFiveTimesIn10Minutes()
    {
        using var tester = Tester(Recording(), o => o.CronJobs.Add(new CronJob("tick", "*/2 * * * *")));

        await tester.AdvanceAsync(TimeSpan.FromMinutes(10), Ct);

        Assert.Equal(["tick at 00:02:00", "tick at 00:04:00", "tick at 00:06:00", "tick at 00:08:00", "tick at 00:10:00"], _calls);
    }

    [Fact]
    public async Task DrainAsync_JobFailsWithNoRetriesLeft_ThrowsJobFailedExceptionWithTheStoredError()
    {
        using var tester = Tester(new JobFunctions().Add("explode", _ => throw new InvalidOperationException("mail server down")));
        var job = await _queue.EnqueueAsync("explode", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<JobFailedException>(() => tester.DrainAsync(Ct));

        Assert.Equal(job.Key, ex.Job.Key);
        Assert.Equal(JobStatus.Failed, ex.Status);
        Assert.Contains("System.InvalidOperationException: mail server down", ex.Error, StringComparison.Ordinal);
        Assert.Contains("mail server down", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainAsync_RetryWithoutDelay_RunsTheRetriesInTheSameDrain()
    {
        var calls = 0;
        using var tester = Tester(new JobFunctions().Add<JsonElement, int>("flaky", (_, _) =>
            ++calls < 3 ? throw new InvalidOperationException("not yet") : Task.FromResult(calls)));
        await _queue.EnqueueAsync("flaky", options: new JobOptions { Retries = 3 }, cancellationToken: Ct);

        var job = Assert.Single(await tester.DrainAsync(Ct));

        Assert.Equal(JobStatus.Complete, job.Status);
        Assert.Equal(3, job.Attempts);
    }

    [Fact]
    public async Task DrainAsync_RetryWithDelay_LeavesItScheduledAndAdvanceAsyncRunsItAfterTheDelay()
    {
        var attempts = new List<DateTimeOffset>();
        using var tester = Tester(new JobFunctions().Add("flaky", _ =>
        {
            attempts.Add(_clock.GetUtcNow());
            return attempts.Count < 3 ? throw new InvalidOperationException("not yet") : Task.CompletedTask;
        }));
        await _queue.EnqueueAsync("flaky", options: new JobOptions { Retries = 3, RetryDelay = TimeSpan.FromSeconds(10) }, cancellationToken: Ct);

        var drained = Assert.Single(await tester.DrainAsync(Ct));
        var before = await tester.AdvanceAsync(TimeSpan.FromSeconds(9), Ct);
        var after = Assert.Single(await tester.AdvanceAsync(TimeSpan.FromSeconds(20), Ct));

        Assert.Equal(JobStatus.Queued, drained.Status);
        Assert.Equal(1, drained.Attempts);
        Assert.Empty(before);
        Assert.Equal(JobStatus.Complete, after.Status);
        Assert.Equal([0, 10, 20], attempts.Select(a => (int)(a - attempts[0]).TotalSeconds));
    }

    [Fact]
    public async Task AdvanceAsync_RetriesWithBackoffExhausted_ThrowsJobFailedExceptionAfterTheLastAttempt()
    {
        var calls = 0;
        using var tester = Tester(new JobFunctions().Add("down", _ =>
        {
            calls++;
            throw new InvalidOperationException("still down");
        }));
        await _queue.EnqueueAsync("down", options: new JobOptions { Retries = 4, RetryDelay = TimeSpan.FromSeconds(2), RetryBackoff = true, RetryBackoffCap = TimeSpan.FromSeconds(60) }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<JobFailedException>(() => tester.AdvanceAsync(TimeSpan.FromMinutes(5), Ct));

        Assert.Equal(4, calls);
        Assert.Equal(4, ex.Job.Attempts);
        Assert.Contains("still down", ex.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdvanceAsync_NoFakeClock_ThrowsInvalidOperationException()
    {
        await using var queue = Queue.InMemory("plain");
        using var tester = new ErrandTester(queue, Recording());

        await Assert.ThrowsAsync<InvalidOperationException>(() => tester.AdvanceAsync(TimeSpan.FromSeconds(1), Ct));
    }

    [Fact]
    public async Task RunAsync_TwoReadyJobs_RunsTheFirstOnlyAndLeavesTheSecondQueued()
    {
        using var tester = Tester(Recording());
        var first = await _queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: Ct);
        var second = await _queue.EnqueueAsync("add", new { a = 3, b = 4 }, cancellationToken: Ct);

        var ran = await tester.RunAsync(first, Ct);

        Assert.Equal(JobStatus.Complete, ran.Status);
        Assert.Equal(3, ran.Result!.Value.GetInt32());
        Assert.Equal(JobStatus.Queued, (await _queue.GetJobAsync(second.Key, Ct))!.Status);
        Assert.Equal(["add 1 2 at 00:00:00"], _calls);
    }

    [Fact]
    public async Task RunAsync_JobScheduledLater_ThrowsSayingWhen()
    {
        using var tester = Tester(Recording());
        var job = await _queue.EnqueueAsync("add", new { a = 1, b = 2 }, new JobOptions { Delay = TimeSpan.FromMinutes(1) }, Ct);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => tester.RunAsync(job, Ct));

        Assert.Contains("scheduled at 2030-01-01T00:01:00", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task RunAsync_FailingJob_ThrowsJobFailedException()
    {
        using var tester = Tester(new JobFunctions().Add("explode", _ => throw new InvalidOperationException("boom")));
        var job = await _queue.EnqueueAsync("explode", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<JobFailedException>(() => tester.RunAsync(job, Ct));

        Assert.Contains("boom", ex.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainAsync_UnknownFunction_ThrowsNamingTheRegisteredOnes()
    {
        using var tester = Tester(Recording());
        await _queue.EnqueueAsync("nope", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<JobFailedException>(() => tester.DrainAsync(Ct));

        Assert.Contains("UnknownFunctionException", ex.Error, StringComparison.Ordinal);
        Assert.Contains("add, tick", ex.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainAsync_JobEnqueuesItselfForEver_StopsAtTheLimit()
    {
        using var tester = Tester(new JobFunctions().Add("again", context => _queue.EnqueueAsync("again", cancellationToken: context.CancellationToken)), o => o.MaxAttemptsPerDrain = 20);
        await _queue.EnqueueAsync("again", cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => tester.DrainAsync(Ct));

        Assert.Contains("more than 20 job attempts", ex.Message, StringComparison.Ordinal);
    }
}
