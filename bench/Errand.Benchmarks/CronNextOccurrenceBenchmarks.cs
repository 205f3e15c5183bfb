using BenchmarkDotNet.Attributes;
using Errand.Cron;

namespace Errand.Benchmarks;

/// <summary>The next occurrence of a cron schedule, computed on every schedule tick for every cron job.</summary>
[MemoryDiagnoser]
public class CronNextOccurrenceBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 4, 54, 34, TimeSpan.Zero);
    private readonly CronJob _everyMinute = new("report", "* * * * *");
    private readonly CronJob _weekdays = new("digest", "30 8 * * 1-5");
    private readonly CronJob _seconds = new("tick", "*/5 * * * * *");

    [Benchmark(Baseline = true)]
    public DateTimeOffset? EveryMinute() => _everyMinute.NextOccurrence(Now);

    [Benchmark]
    public DateTimeOffset? WeekdaysAt0830() => _weekdays.NextOccurrence(Now);

    [Benchmark]
    public DateTimeOffset? EveryFiveSeconds() => _seconds.NextOccurrence(Now);
}
