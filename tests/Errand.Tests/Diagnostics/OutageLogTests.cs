using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Errand.Tests.Diagnostics;

public sealed class OutageLogTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger _logger = new();

    [Fact]
    public void Failed_UnavailableEverySecondFor95Seconds_LogsTheStartThreeRemindersAndTheEndOnce()
    {
        var outage = new OutageLog(_logger, _time, "w1");

        for (var second = 0; second < 95; second++)
        {
            outage.Failed(Unavailable(), second % 2 == 0 ? "dequeue" : "schedule", TimeSpan.FromSeconds(1));
            outage.Succeeded("abort check");
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        outage.Succeeded("schedule");
        outage.Succeeded("dequeue");

        var records = _logger.Collector.GetSnapshot();
        Assert.Equal(["BackendUnavailable", "BackendStillUnavailable", "BackendStillUnavailable", "BackendStillUnavailable", "BackendAvailable"], records.Select(r => r.Id.Name));
        Assert.All(records, r => Assert.Null(r.Exception));
        Assert.Equal("00:01:35", records[^1].StructuredState!.Single(p => p.Key == "Duration").Value);
        Assert.Equal("95", records[^1].StructuredState!.Single(p => p.Key == "Failures").Value);
        Assert.Contains("redis://cache:6379: connection refused", records[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain("counters", records[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_AnotherError_IsLoggedEachTimeWithItsException()
    {
        var outage = new OutageLog(_logger, _time, "w1");

        outage.Failed(new InvalidOperationException("script error"), "store", TimeSpan.FromSeconds(1), "store job k1 as complete");
        outage.Failed(new InvalidOperationException("script error"), "store", TimeSpan.FromSeconds(1), "store job k1 as complete");
        outage.Succeeded("store");

        var records = _logger.Collector.GetSnapshot();
        Assert.Equal(["BackendError", "BackendError"], records.Select(r => r.Id.Name));
        Assert.All(records, r => Assert.IsType<InvalidOperationException>(r.Exception));
        Assert.Contains("store job k1 as complete", records[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Succeeded_AfterAnOutageEnded_StartsNoOtherLine()
    {
        var outage = new OutageLog(_logger, _time, "w1");

        outage.Failed(Unavailable(), "dequeue", TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(2));
        outage.Succeeded("dequeue");
        outage.Succeeded("dequeue");
        outage.Failed(Unavailable(), "dequeue", TimeSpan.FromSeconds(1));

        Assert.Equal(["BackendUnavailable", "BackendAvailable", "BackendUnavailable"], _logger.Collector.GetSnapshot().Select(r => r.Id.Name));
        Assert.Equal(LogLevel.Information, _logger.Collector.GetSnapshot()[1].Level);
    }

    private static BackendUnavailableException Unavailable() =>
        new("redis://cache:6379", new InvalidOperationException("connection refused - counters: in=0, out=0, a kilobyte of them"));
}
