using Errand.InMemory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Errand.Tests.InMemory;

public sealed class QueueInMemoryTests
{
    [Fact]
    public async Task InMemory_Created_LogsTheInMemoryWarningOnce()
    {
        using var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(provider));

        await using var queue = Queue.InMemory("mail", loggerFactory: factory);

        var record = Assert.Single(provider.Collector.GetSnapshot(), r => r.Id.Name == "InMemoryBackend");
        Assert.Equal(LogLevel.Warning, record.Level);
        Assert.Contains("mail", record.Message, StringComparison.Ordinal);
        Assert.Equal("mail", queue.Name);
        Assert.IsType<InMemoryQueueBackend>(queue.Backend);
    }

    [Fact]
    public async Task InMemory_WithClock_StampsJobsWithThatClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero));
        await using var queue = Queue.InMemory(time: clock);

        var job = await queue.EnqueueAsync("send_mail", new { to = "a@example.com" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), job.Queued);
        Assert.Equal("default", queue.Name);
        Assert.Equal(JobStatus.Queued, (await queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken))!.Status);
    }
}
