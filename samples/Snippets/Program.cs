using Errand;

// Functions: a name, an arguments record bound from the job's kwargs (snake_case binds), a result.
var functions = new JobFunctions()
    .Add<AddArgs, double>("add", (args, context) => Task.FromResult(args.A + args.B))
    .Add<SleepArgs, double>("sleep", async (args, context) =>
    {
        await Task.Delay(TimeSpan.FromSeconds(args.Seconds), context.CancellationToken); // fires on timeout, abort, shutdown
        await context.UpdateAsync(progress: 1.0);                                        // progress, and a heartbeat
        return args.Seconds;
    });

// In memory, nothing to install. Stored instead: RedisQueueFactory.ConnectAsync("redis://localhost:6379", "default")
// (package Errand.Redis) or PostgresQueueFactory.ConnectAsync("postgresql://app@localhost/app", "default") (Errand.Postgres).
await using var queue = Queue.InMemory("default");
using var stop = new CancellationTokenSource();
using var worker = new Worker(queue, functions, new WorkerOptions { Concurrency = 10 });
var running = worker.RunAsync(stop.Token);

var job = await queue.EnqueueAsync("add", new { a = 1, b = 2 }, new JobOptions
{
    Key = "sum-1",                         // enqueuing a key that is still incomplete returns the stored job
    Timeout = TimeSpan.FromSeconds(30),
    Retries = 3,
    RetryDelay = TimeSpan.FromSeconds(1),
    RetryBackoff = true,                   // exponential, with jitter
    Delay = TimeSpan.FromSeconds(1),       // or ScheduledAt = ...
});
var finished = await queue.WaitAsync(job.Key, TimeSpan.FromMinutes(1));      // woken by a notification, not a poll
Console.WriteLine($"add(1, 2) = {finished.Result} ({finished.Status})");

var sum = await queue.ApplyAsync<double>("add", new { a = 20, b = 22 });       // enqueue and await the result
Console.WriteLine($"add(20, 22) = {sum}");

var outcomes = await queue.MapAsync<double>("sleep", [new { seconds = 0.2 }, new { seconds = 0.1 }]);
Console.WriteLine($"sleep x2 = [{string.Join(", ", outcomes.Select(o => o.Result))}]");   // in order; each outcome has its Job

var many = await queue.EnqueueManyAsync("add", [new AddArgs(1, 2), new AddArgs(3, 4)]);  // one round trip per 500 jobs
var sums = await Task.WhenAll(many.Select(j => queue.WaitAsync(j.Key, TimeSpan.FromMinutes(1))));
Console.WriteLine($"add x2 = [{string.Join(", ", sums.Select(j => j.Result))}]");

var parked = await queue.EnqueueAsync("sleep", new { seconds = 1 }, new JobOptions { Delay = TimeSpan.FromMinutes(5) });
var aborted = await queue.AbortAsync(parked.Key, "no longer needed");
Console.WriteLine($"abort = {aborted?.Status}: {aborted?.Error}");

await stop.CancelAsync();                  // stops taking jobs; running ones get WorkerOptions.ShutdownGracePeriod
await running;
Console.WriteLine($"worker: {worker.Stats.Complete} complete");

internal sealed record AddArgs(double A, double B);
internal sealed record SleepArgs(double Seconds);
