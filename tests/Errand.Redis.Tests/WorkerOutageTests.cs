using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Errand.Redis.Tests;

/// <summary>A worker through a Redis outage: one line when it starts, one when it ends with its length, not one per failure.</summary>
public sealed class WorkerOutageTests(RedisServerFixture redis)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_RedisDownForSeconds_LogsTheOutageOnceAtItsStartAndOnceAtItsEnd()
    {
        redis.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        await using var server = await RedisServer.StartAsync(redis.Executable!, cancellationToken: ct);
        var collector = new FakeLogCollector();
        using var loggers = new CollectingLoggerFactory(collector);
        var backend = await RedisQueueBackend.ConnectAsync(
            server.Url,
            new RedisBackendOptions { QueueName = $"o{Guid.NewGuid():N}", OperationTimeout = TimeSpan.FromSeconds(1), ConnectTimeout = TimeSpan.FromSeconds(1) },
            cancellationToken: ct);
        await using var queue = new Queue(backend);
        var functions = new JobFunctions().Add<AddArgs, int>("add", (a, _) => Task.FromResult(a.A + a.B));
        var options = new WorkerOptions
        {
            ScheduleInterval = TimeSpan.FromMilliseconds(200),
            DequeueWait = TimeSpan.FromMilliseconds(200),
            WorkerInfoInterval = TimeSpan.FromMilliseconds(500),
        };
        using var worker = new Worker(queue, functions, options, loggerFactory: loggers);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);
        Assert.Equal(2, await queue.ApplyAsync<int>("add", new { a = 1, b = 1 }, cancellationToken: ct).WaitAsync(Patience, ct));

        // Down for 6 s: the dequeue loop and the timers fail many times over (each call times out after 1 s).
        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(6), TimeProvider.System, ct);
        await server.StartAsync(ct);
        Assert.Equal(6, await queue.ApplyAsync<int>("add", new { a = 3, b = 3 }, cancellationToken: ct).WaitAsync(Patience, ct));
        await stop.CancelAsync();
        await running.WaitAsync(Patience, ct);

        var records = collector.GetSnapshot();
        var started = Assert.Single(records, r => r.Id.Name == "BackendUnavailable");
        var ended = Assert.Single(records, r => r.Id.Name == "BackendAvailable");
        Assert.DoesNotContain(records, r => r.Id.Name is "BackendError" or "BackendStillUnavailable");
        Assert.Equal(LogLevel.Warning, started.Level);
        Assert.Null(started.Exception);
        Assert.DoesNotContain('\n', started.Message);
        Assert.Contains(server.Url, started.Message, StringComparison.Ordinal);
        Assert.True(started.Timestamp < ended.Timestamp);
        var duration = TimeSpan.Parse(ended.StructuredState!.Single(p => p.Key == "Duration").Value!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(duration, TimeSpan.FromSeconds(4), Patience);
    }

    private sealed record AddArgs(int A, int B);
}
