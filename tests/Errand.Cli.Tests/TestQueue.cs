using Errand.Cli.TestWorker;
using Errand.Postgres;
using Errand.Redis;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary>A queue of its own on the test Redis (optionally in a database of its own) or PostgreSQL, with an in-process worker on demand.</summary>
public sealed class TestQueue : IAsyncDisposable
{
    private readonly List<(Worker Worker, CancellationTokenSource Stop, Task Run)> _workers = [];

    private TestQueue(Queue queue, string url, Engine engine)
    {
        Queue = queue;
        Url = url;
        Engine = engine;
    }

    public Queue Queue { get; }

    public string Name => Queue.Name;

    public string Url { get; }

    public Engine Engine { get; }

    public static async Task<TestQueue> CreateAsync(RedisServerFixture redis, int database = 0, string? name = null)
    {
        redis.SkipIfMissing();
        var url = database == 0 ? redis.Url : $"{redis.Url}/{database}";
        return await OpenAsync(Engine.Redis, url, name);
    }

    /// <summary>Opens queue <paramref name="name"/> (a new name by default) of the store at <paramref name="url"/>.</summary>
    public static async Task<TestQueue> OpenAsync(Engine engine, string url, string? name = null)
    {
        name ??= $"q{Guid.NewGuid():N}"[..12];
        var ct = TestContext.Current.CancellationToken;
        var queue = engine == Engine.Redis
            ? await RedisQueueFactory.ConnectAsync(url, name, cancellationToken: ct)
            : await PostgresQueueFactory.ConnectAsync(url, name, cancellationToken: ct);
        return new TestQueue(queue, url, engine);
    }

    /// <summary>Opens another client of this queue (or of queue <paramref name="name"/> of the same store).</summary>
    public Task<TestQueue> OpenAgainAsync(string? name = null) => OpenAsync(Engine, Url, name ?? Name);

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
