using System.Text.Json;
using Errand;
using Microsoft.Extensions.Logging;

namespace Quickstart;

/// <summary>The demo: a worker and a few jobs on the in-memory queue, nothing to install.</summary>
public static class Demo
{
    public static async Task<int> RunAsync(ILoggerFactory loggerFactory)
    {
        await using var queue = Queue.InMemory("default", loggerFactory: loggerFactory);
        using var stop = new CancellationTokenSource();
        using var worker = new Worker(queue, QuickstartFunctions.Create(), new WorkerOptions { Concurrency = 4 }, loggerFactory: loggerFactory);
        var running = worker.RunAsync(stop.Token);

        var sum = await queue.ApplyAsync<double>("add", new { a = 1, b = 2 });
        Console.WriteLine($"add(a=1, b=2)                -> {sum}");

        var echoed = await queue.ApplyAsync<JsonElement>("echo", new { message = "hello", tags = new[] { "x", "y" } });
        Console.WriteLine($"echo(message, tags)          -> {echoed.GetRawText()}");

        var slept = await queue.MapAsync<double>("sleep", [new { seconds = 0.3 }, new { seconds = 0.1 }, new { seconds = 0.2 }]);
        Console.WriteLine($"map sleep(0.3, 0.1, 0.2)     -> [{string.Join(", ", slept.Select(o => o.Result))}] in order");

        var many = await queue.EnqueueManyAsync("add", [new { a = 1, b = 1 }, new { a = 2, b = 2 }, new { a = 3, b = 3 }]);
        var sums = await Task.WhenAll(many.Select(job => queue.WaitAsync(job.Key, TimeSpan.FromSeconds(10))));
        Console.WriteLine($"add x3, enqueued at once     -> [{string.Join(", ", sums.Select(job => job.Result?.GetRawText()))}]");

        try
        {
            await queue.ApplyAsync<JsonElement>("fail", new { message = "boom" }, new JobOptions { Retries = 2 });
        }
        catch (JobFailedException ex)
        {
            Console.WriteLine($"fail(message=boom)           -> {ex.Status.ToWire()} after {ex.Job.Attempts} attempts: {ex.Job.Error?.Split('\n')[0]}");
        }

        var later = await queue.EnqueueAsync("add", new { a = 20, b = 22 }, new JobOptions { Delay = TimeSpan.FromSeconds(1) });
        var done = await queue.WaitAsync(later.Key, TimeSpan.FromSeconds(10));
        var waited = done.CompletedAt - done.QueuedAt >= TimeSpan.FromSeconds(1) ? "not before 1 s" : "too early!";
        Console.WriteLine($"add in 1 s (scheduled)       -> {done.Result?.GetRawText()}, {waited}");

        var parked = await queue.EnqueueAsync("sleep", new { seconds = 1 }, new JobOptions { Delay = TimeSpan.FromMinutes(5) });
        var aborted = await queue.AbortAsync(parked.Key, "changed my mind");
        Console.WriteLine($"abort of a scheduled job     -> {aborted?.Status.ToWire()} ({aborted?.Error})");

        var duplicate = await queue.EnqueueAsync("sleep", new { seconds = 0.1 }, new JobOptions { Key = "once" });
        var again = await queue.EnqueueAsync("sleep", new { seconds = 0.1 }, new JobOptions { Key = "once" });
        Console.WriteLine($"same key twice               -> one job ({(duplicate.Queued == again.Queued ? "second enqueue returned the stored job" : "two jobs?!")})");
        await queue.WaitAsync("once", TimeSpan.FromSeconds(10));

        await stop.CancelAsync();
        await running;
        var stats = worker.Stats;
        Console.WriteLine($"worker stats                 -> complete {stats.Complete}, failed {stats.Failed}, retried {stats.Retried}, aborted {stats.Aborted}");
        return 0;
    }
}
