using Errand.Cli.TestWorker;
using Errand.Redis;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary>A queue of its own on the test Redis (optionally in a database of its own), with an in-process worker on demand.</summary>
public sealed class TestQueue : IAsyncDisposable
{
    private readonly List<(Worker Worker, CancellationTokenSource Stop, Task Run)> _workers = [];

    private TestQueue(Queue queue, string url)
    {
        Queue = queue;
        Url = url;
    }

    public Queue Queue { get; }

    public string Name => Queue.Name;

    public string Url { get; }

    public static async Task<TestQueue> CreateAsync(RedisServerFixture redis, int database = 0, string? name = null)
    {
        redis.SkipIfMissing();
        var url = database == 0 ? redis.Url : $"{redis.Url}/{database}";
        var queue = await RedisQueue.ConnectAsync(url, name ?? $"q{Guid.NewGuid():N}"[..12], cancellationToken: TestContext.Current.CancellationToken);
        return new TestQueue(queue, url);
    }

    /// <summary>Starts a worker in this process, with the test worker's functions; it stops when the queue is disposed.</summary>
    public Worker StartWorker()
    {
        var functions = new JobFunctions();
        TestFunctions.Register(functions);
        var worker = new Worker(Queue, functions, new WorkerOptions { Concurrency = 4, ScheduleInterval = TimeSpan.FromMilliseconds(100) });
        var stop = new CancellationTokenSource();
        _workers.Add((worker, stop, worker.RunAsync(stop.Token)));
        return worker;
    }

    /// <summary>Enqueues a job and waits for it to end (a worker must run).</summary>
    public async Task<Job> RunAsync(string function, object? kwargs, JobOptions? options = null)
    {
        var job = await Queue.EnqueueAsync(function, kwargs, options, TestContext.Current.CancellationToken);
        return await Queue.WaitAsync(job.Key, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (worker, stop, run) in _workers)
        {
            await stop.CancelAsync();
            await run;
            worker.Dispose();
            stop.Dispose();
        }

        await Queue.DisposeAsync();
    }
}
