using BenchmarkDotNet.Attributes;
using Errand.Backends;
using Errand.InMemory;
using Errand.Redis;

namespace Errand.Benchmarks;

/// <summary>Enqueue of one job, one call at a time, on each backend: the cost of a call, not the throughput of many.</summary>
[MemoryDiagnoser]
public class EnqueueBenchmarks
{
    private BackendHost _host = null!;

    [Params("memory", "redis")]
    public string Backend { get; set; } = "memory";

    [GlobalSetup]
    public async Task Setup() => _host = await BackendHost.StartAsync(Backend);

    [GlobalCleanup]
    public async Task Cleanup() => await _host.DisposeAsync();

    [Benchmark(Baseline = true)]
    public Task<Job> Enqueue() => _host.Queue.EnqueueAsync("noop");
}

/// <summary>Takes one ready job and finishes it, as a worker does: dequeue (mark active), then finish as complete.</summary>
[MemoryDiagnoser]
public class DequeueFinishBenchmarks
{
    private const int Batch = 64;
    private BackendHost _host = null!;

    [Params("memory", "redis")]
    public string Backend { get; set; } = "memory";

    [GlobalSetup]
    public async Task Setup() => _host = await BackendHost.StartAsync(Backend);

    [GlobalCleanup]
    public async Task Cleanup() => await _host.DisposeAsync();

    [IterationSetup]
    public void Fill()
    {
        for (var i = 0; i < Batch; i++)
        {
            _host.Queue.EnqueueAsync("noop").GetAwaiter().GetResult();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public async Task DequeueAndFinishOneAtATime()
    {
        var backend = _host.Queue.Backend;
        for (var i = 0; i < Batch; i++)
        {
            var jobs = await backend.DequeueAsync(new DequeueRequest("bench", 1, TimeSpan.Zero), CancellationToken.None);
            await backend.FinishAsync(jobs[0], JobStatus.Complete, CancellationToken.None);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public async Task DequeueEightThenFinish()
    {
        var backend = _host.Queue.Backend;
        for (var i = 0; i < Batch; i += 8)
        {
            var jobs = await backend.DequeueAsync(new DequeueRequest("bench", 8, TimeSpan.Zero), CancellationToken.None);
            await Task.WhenAll(jobs.Select(j => backend.FinishAsync(j, JobStatus.Complete, CancellationToken.None)));
        }
    }
}

/// <summary>A queue over the in-memory backend, or over Redis on a redis-server started for the benchmark.</summary>
internal sealed class BackendHost : IAsyncDisposable
{
    private readonly RedisProcess? _redis;

    private BackendHost(Queue queue, RedisProcess? redis)
    {
        Queue = queue;
        _redis = redis;
    }

    public Queue Queue { get; }

    public static async Task<BackendHost> StartAsync(string backend)
    {
        if (backend == "memory")
        {
            return new BackendHost(new Queue(new InMemoryQueueBackend("bench")), null);
        }

        var redis = await RedisProcess.StartAsync();
        return new BackendHost(await RedisQueueFactory.ConnectAsync(redis.Endpoint, "bench"), redis);
    }

    public async ValueTask DisposeAsync()
    {
        await Queue.DisposeAsync();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
