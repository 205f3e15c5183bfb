using Errand.Cron;

namespace Errand.Conformance;

/// <content>Cron cadence over a span of fake time: N occurrences, N runs, whatever the number of workers.</content>
public abstract partial class QueueBackendConformanceTests
{
    [Fact]
    public Task CronJob_EverySecondFor60Seconds_RunsEachOccurrenceOnce() =>
        CountCronRunsAsync("* * * * * *", TimeZoneInfo.Utc, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500), workers: 1);

    [Fact]
    public Task CronJob_EveryMinuteFor10Minutes_RunsEachOccurrenceOnce() =>
        CountCronRunsAsync("* * * * *", TimeZoneInfo.Utc, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(7), workers: 1);

    [Fact]
    public Task CronJob_DailyAcrossADaylightSavingChange_RunsOnceADay()
    {
        // Europe/Berlin leaves summer time on 2030-10-27: the days around it are 24, 25 and 24 hours long.
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var start = new DateTimeOffset(2030, 10, 25, 12, 0, 0, TimeSpan.Zero);
        return CountCronRunsAsync("0 7 * * *", berlin, TimeSpan.FromDays(3), TimeSpan.FromMinutes(10), workers: 1, start);
    }

    [Fact]
    public Task CronJob_ThreeWorkersOnOneQueue_RunEachOccurrenceOnce() =>
        CountCronRunsAsync("* * * * * *", TimeZoneInfo.Utc, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(350), workers: 3);

    /// <summary>
    /// Ticks the workers' schedulers over <paramref name="span"/> of fake time, every <paramref name="tick"/> (each worker
    /// at its own phase), and runs every job that becomes ready at once; then checks that each occurrence of
    /// <paramref name="expression"/> in the span ran exactly once.
    /// </summary>
    private async Task CountCronRunsAsync(string expression, TimeZoneInfo zone, TimeSpan span, TimeSpan tick, int workers, DateTimeOffset? start = null)
    {
        if (start is { } at)
        {
            Clock.SetUtcNow(at);
        }

        var cron = new CronJob("report", expression) { TimeZone = zone };
        var functions = new JobFunctions().Add("report", _ => Task.CompletedTask);
        var options = new WorkerOptions { ScheduleInterval = ShortLock };
        options.CronJobs.Add(cron);
        var queue = new Queue(Backend, time: Clock);
        var schedulers = Enumerable.Range(0, workers).Select(_ => new Worker(queue, functions, options, Clock)).ToList();
        var from = Clock.GetUtcNow();
        var expected = new List<long>();
        for (var next = cron.NextOccurrence(from); next is { } n && n <= from + span - tick; next = cron.NextOccurrence(n))
        {
            expected.Add(n.ToUnixTimeSeconds());
        }

        var runs = new List<long>();
        var phase = tick / workers;
        while (Clock.GetUtcNow() < from + span)
        {
            foreach (var scheduler in schedulers)
            {
                await scheduler.ScheduleAsync(Ct);
                await LetShortLocksExpireAsync();
                Clock.Advance(phase - ShortLock);

                // A worker that runs whatever is ready at once, as an idle one does.
                foreach (var job in await DequeueNowAsync(100))
                {
                    runs.Add(job.Scheduled);
                    await Backend.FinishAsync(job, JobStatus.Complete, Ct);
                }
            }
        }

        foreach (var scheduler in schedulers)
        {
            scheduler.Dispose();
        }

        var ranInSpan = runs.Where(s => s <= expected[^1]).Order().ToList();
        Assert.Equal(expected, ranInSpan);
    }
}
