using Errand.Backends;

namespace Errand.Conformance;

/// <content>Each attempt of a job is recorded when it ends (by its worker or the sweeper), kept as long as the job, at most the last 25; per-hour history.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public async Task GetAttemptsAsync_FailsTwiceThenSucceeds_ThreeAttemptsWithWorkerTimesAndErrors()
    {
        var key = UniqueKey("thrice");
        await EnqueueNewAsync(key, j => j.Retries = 3);
        var first = await DequeueOneAsync(key, "w1");
        var started1 = NowMs;
        Clock.Advance(TimeSpan.FromMilliseconds(1500));
        first.Error = "boom 1";
        await Backend.RetryAsync(first, TimeSpan.Zero, Ct);
        var ended1 = NowMs;
        Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await DequeueOneAsync(key, "w2");
        var started2 = NowMs;
        Clock.Advance(TimeSpan.FromSeconds(2));
        second.Error = "boom 2";
        await Backend.RetryAsync(second, TimeSpan.Zero, Ct);
        var third = await DequeueOneAsync(key, "w1");
        Clock.Advance(TimeSpan.FromMilliseconds(250));
        await Backend.FinishAsync(third, JobStatus.Complete, Ct);
        var ended3 = NowMs;

        var attempts = await Backend.GetAttemptsAsync(key, Ct);

        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.Equal([JobStatus.Queued, JobStatus.Queued, JobStatus.Complete], attempts.Select(a => a.Outcome));
        Assert.Equal(["w1", "w2", "w1"], attempts.Select(a => a.WorkerId));
        Assert.Equal(["boom 1", "boom 2", null], attempts.Select(a => a.Error));
        Assert.Equal(started1, attempts[0].Started?.ToUnixTimeMilliseconds());
        Assert.Equal(ended1, attempts[0].Ended.ToUnixTimeMilliseconds());
        Assert.Equal(started2, attempts[1].Started?.ToUnixTimeMilliseconds());
        Assert.Equal(ended3, attempts[2].Ended.ToUnixTimeMilliseconds());
        Assert.Equal(250, (attempts[2].Ended - attempts[2].Started!.Value).TotalMilliseconds);
    }

    [Fact]
    public async Task GetAttemptsAsync_FailedThenRetriedByAnOperator_TheRetryAddsNoAttemptItsRunDoes()
    {
        var key = UniqueKey("manual");
        await EnqueueNewAsync(key, j => j.Retries = 1);
        var job = await DequeueOneAsync(key);
        job.Error = "broken";
        await Backend.FinishAsync(job, JobStatus.Failed, Ct);

        Assert.NotNull(await Backend.RequeueAsync(key, force: false, Ct));
        var afterRetry = await Backend.GetAttemptsAsync(key, Ct);
        var again = await DequeueOneAsync(key, "w9");
        await Backend.FinishAsync(again, JobStatus.Complete, Ct);
        var attempts = await Backend.GetAttemptsAsync(key, Ct);

        var failed = Assert.Single(afterRetry);
        Assert.Equal((1, JobStatus.Failed, "broken"), (failed.Attempt, failed.Outcome, failed.Error));
        Assert.Equal([(1, JobStatus.Failed), (2, JobStatus.Complete)], attempts.Select(a => (a.Attempt, a.Outcome)));
        Assert.Equal("w9", attempts[1].WorkerId);
        Assert.Equal(2, (await StoredAsync(key)).Attempts);
    }

    [Fact]
    public async Task GetAttemptsAsync_SweptAttempt_IsRecordedWithTheSweepersError()
    {
        var key = UniqueKey("swept");
        await EnqueueNewAsync(key, j => j.Timeout = 1);
        await DequeueOneAsync(key, "gone-worker");
        Clock.Advance(TimeSpan.FromSeconds(5));

        var request = new SweepRequest(LongLock, TimeSpan.Zero)
        {
            Decide = swept =>
            {
                swept.Job.Error = "swept: timed out";
                return SweepDecision.Retry(TimeSpan.Zero);
            },
        };
        Assert.Single((await Backend.SweepAsync(request, Ct)).Stuck);

        var attempt = Assert.Single(await Backend.GetAttemptsAsync(key, Ct));
        Assert.Equal((1, JobStatus.Queued, "swept: timed out", "gone-worker"), (attempt.Attempt, attempt.Outcome, attempt.Error, attempt.WorkerId));
    }

    [Fact]
    public async Task GetAttemptsAsync_ThirtyAttempts_KeepsTheLast25()
    {
        var key = UniqueKey("many");
        await EnqueueNewAsync(key, j => j.Retries = 100);
        for (var i = 1; i <= 30; i++)
        {
            var job = await DequeueOneAsync(key);
            job.Error = $"e{i}";
            await Backend.RetryAsync(job, TimeSpan.Zero, Ct);
        }

        var attempts = await Backend.GetAttemptsAsync(key, Ct);

        Assert.Equal(Enumerable.Range(6, JobAttempt.MaxKept), attempts.Select(a => a.Attempt));
        Assert.Equal("e30", attempts[^1].Error);
    }

    [Fact]
    public async Task GetAttemptsAsync_JobExpires_AttemptsGoWithItAndANewJobUnderTheKeyStartsClean()
    {
        var key = UniqueKey("expiring");
        await EnqueueNewAsync(key, j => (j.Ttl, j.Retries) = (1, 3));
        var job = await DequeueOneAsync(key);
        job.Error = "first";
        await Backend.RetryAsync(job, TimeSpan.Zero, Ct);
        await Backend.FinishAsync(await DequeueOneAsync(key), JobStatus.Failed, Ct);
        Assert.Equal(2, (await Backend.GetAttemptsAsync(key, Ct)).Count);

        await LetTtlPassAsync(TimeSpan.FromSeconds(1));
        await Backend.SweepAsync(OneRound, Ct);
        var afterExpiry = await Backend.GetAttemptsAsync(key, Ct);
        await EnqueueNewAsync(key);
        await Backend.FinishAsync(await DequeueOneAsync(key), JobStatus.Complete, Ct);
        var fresh = await Backend.GetAttemptsAsync(key, Ct);

        Assert.Null(await Backend.GetJobAsync("never-" + key, Ct));
        Assert.Empty(afterExpiry);
        var only = Assert.Single(fresh);
        Assert.Equal((1, JobStatus.Complete), (only.Attempt, only.Outcome));
    }

    [Fact]
    public async Task GetAttemptsAsync_FinishedJobDeleted_HasNoAttempts()
    {
        var key = UniqueKey("deleted");
        await EnqueueNewAsync(key);
        await Backend.FinishAsync(await DequeueOneAsync(key), JobStatus.Failed, Ct);
        Assert.Single(await Backend.GetAttemptsAsync(key, Ct));

        await Backend.DeleteFinishedAsync([key], Ct);

        Assert.Empty(await Backend.GetAttemptsAsync(key, Ct));
    }

    [Fact]
    public async Task GetAttemptsAsync_TtlMinusOne_KeepsNothing()
    {
        var key = UniqueKey("dropped");
        await EnqueueNewAsync(key, j => j.Ttl = -1);
        await Backend.FinishAsync(await DequeueOneAsync(key), JobStatus.Complete, Ct);

        Assert.Empty(await Backend.GetAttemptsAsync(key, Ct));
    }

    [Fact]
    public async Task GetHourlyHistoryAsync_OutcomesInTwoHours_CountInTheirHour()
    {
        for (var i = 0; i < 4; i++)
        {
            await EnqueueNewAsync($"hh{i}");
        }

        await Backend.FinishAsync(await DequeueOneAsync("hh0"), JobStatus.Complete, Ct);
        await Backend.RetryAsync(await DequeueOneAsync("hh1"), TimeSpan.Zero, Ct);
        Clock.Advance(TimeSpan.FromHours(1));
        // The retried one comes back in an order of the engine's: taken together, each finished by key.
        var taken = (await DequeueNowAsync(3)).ToDictionary(j => j.Key, StringComparer.Ordinal);
        await Backend.FinishAsync(taken["hh2"], JobStatus.Failed, Ct);
        await Backend.FinishAsync(taken["hh3"], JobStatus.Complete, Ct);
        await Backend.FinishAsync(taken["hh1"], JobStatus.Aborted, Ct);

        var hours = await Backend.GetHourlyHistoryAsync(IQueueMonitor.HistoryHours, Ct);

        Assert.Equal(IQueueMonitor.HistoryHours, hours.Count);
        var hour = new DateTimeOffset(Clock.GetUtcNow().UtcDateTime.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero);
        Assert.Equal(hour, hours[^1].Minute);
        Assert.Equal(hour.AddHours(-(IQueueMonitor.HistoryHours - 1)), hours[0].Minute);
        Assert.Equal(new HistoryPoint(hours[^2].Minute, 1, 0, 1, 0), hours[^2]);
        Assert.Equal(new HistoryPoint(hours[^1].Minute, 1, 1, 0, 1), hours[^1]);
        Assert.All(hours.SkipLast(2), p => Assert.Equal(0, p.Complete + p.Failed + p.Retried + p.Aborted));
    }

    [Fact]
    public async Task GetHourlyHistoryAsync_OutOfRange_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Backend.GetHourlyHistoryAsync(0, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Backend.GetHourlyHistoryAsync(IQueueMonitor.HistoryHours + 1, Ct));
    }
}
