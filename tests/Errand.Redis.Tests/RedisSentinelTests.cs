using System.Collections.Concurrent;
using Errand.Conformance;
using StackExchange.Redis;

namespace Errand.Redis.Tests;

/// <summary>A queue behind Redis Sentinel: found by the service's name, and followed when a replica is promoted.</summary>
public sealed class RedisSentinelTests(RedisSentinelFixture sentinel) : IClassFixture<RedisSentinelFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ConnectAsync_SentinelUrl_StoresTheQueueOnThePrimaryTheSentinelsName()
    {
        sentinel.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var queueName = $"s{Guid.NewGuid():N}";
        await using var queue = await RedisQueueFactory.ConnectAsync(sentinel.Url, queueName, cancellationToken: ct);

        var job = await queue.EnqueueAsync("add", new { a = 1, b = 2 }, cancellationToken: ct);

        var primary = await sentinel.PrimaryAsync();
        await using var direct = await ConnectionMultiplexer.ConnectAsync(primary.Endpoint);
        Assert.True(await direct.GetDatabase().KeyExistsAsync(RedisJobIds.For(queueName, job.Key)));
    }

    [Fact]
    public async Task RunAsync_PrimaryKilledWhileJobsRun_ReplicaIsPromotedAndEveryJobCompletes()
    {
        sentinel.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        const int Jobs = 300;
        var queueName = $"f{Guid.NewGuid():N}";
        var backend = await RedisQueueBackend.ConnectAsync(
            sentinel.Url,
            new RedisBackendOptions { QueueName = queueName, OperationTimeout = TimeSpan.FromSeconds(2), ConnectTimeout = TimeSpan.FromSeconds(2) },
            cancellationToken: ct);
        await using var queue = new Queue(backend, new QueueOptions { WaitRecheckInterval = TimeSpan.FromSeconds(1) });
        var runs = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var functions = new JobFunctions().Add("work", async context =>
        {
            if (runs.AddOrUpdate(context.Job.Key, 1, (_, n) => n + 1) == 1 && runs.Count == Jobs / 3)
            {
                halfway.TrySetResult();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, context.CancellationToken);
        });
        var options = new WorkerOptions
        {
            Concurrency = 10,
            DequeueWait = TimeSpan.FromMilliseconds(500),
            SweepInterval = TimeSpan.FromSeconds(1),
            ScheduleInterval = TimeSpan.FromMilliseconds(200),
        };
        using var worker = new Worker(queue, functions, options);
        using var stop = new CancellationTokenSource();
        var jobs = await queue.EnqueueManyAsync("work", Enumerable.Repeat<object?>(null, Jobs), new JobOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 5 }, ct);

        // Every enqueue is on the replica before the primary dies: replication is asynchronous, and this test is about
        // what the client does at a failover, not about writes the old primary never passed on (see WaitForReplicas).
        var old = await sentinel.PrimaryAsync();
        await using (var direct = await ConnectionMultiplexer.ConnectAsync(old.Endpoint))
        {
            Assert.Equal(1L, (long)await direct.GetDatabase().ExecuteAsync("WAIT", 1, 5000));
        }

        var running = worker.RunAsync(stop.Token);
        await halfway.Task.WaitAsync(Patience, ct);
        await old.StopAsync();

        var ended = await Task.WhenAll(jobs.Select(job => Outages.WaitThroughOutageAsync(queue, job.Key, Patience)));
        await stop.CancelAsync();
        await running.WaitAsync(Patience, ct);

        Assert.NotEqual(old.Port, await sentinel.PrimaryPortAsync());
        Assert.All(ended, job => Assert.Equal(JobStatus.Complete, job.Status));
        Assert.Equal(Jobs, runs.Count);

        // A job may run twice only if it was running (or had just finished, not yet replicated) when the primary died.
        var twice = runs.Count(r => r.Value > 1);
        Assert.True(twice <= options.Concurrency * 3, $"{twice} jobs ran more than once");
        TestContext.Current.TestOutputHelper?.WriteLine($"jobs run more than once: {twice}");
    }

    [Fact]
    public async Task PauseAsync_ThroughTheSentinelUrl_WorkerBehindTheSentinelStopsTakingAndResumes()
    {
        sentinel.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        var queueName = $"p{Guid.NewGuid():N}";

        // The worker and the operator each find the primary through the Sentinels, on connections of their own.
        var backend = await RedisQueueBackend.ConnectAsync(sentinel.Url, new RedisBackendOptions { QueueName = queueName }, cancellationToken: ct);
        var signalling = new SignallingBackend(backend);
        await using var workerQueue = new Queue(signalling);
        await using var operatorQueue = await RedisQueueFactory.ConnectAsync(sentinel.Url, queueName, cancellationToken: ct);
        var ran = new ConcurrentQueue<string>();
        var functions = new JobFunctions().Add("work", context =>
        {
            ran.Enqueue(context.Job.Key);
            return Task.CompletedTask;
        });
        var options = new WorkerOptions { DequeueWait = TimeSpan.FromMilliseconds(200), PauseCheckInterval = TimeSpan.FromMilliseconds(100) };
        using var worker = new Worker(workerQueue, functions, options);
        using var stop = new CancellationTokenSource();
        var running = worker.RunAsync(stop.Token);

        var first = await operatorQueue.EnqueueAsync("work", cancellationToken: ct);
        Assert.Equal(JobStatus.Complete, (await operatorQueue.WaitAsync(first.Key, Patience, ct)).Status);

        // The pause is published on the primary the Sentinels name, and heard on the worker's connection.
        var heard = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await signalling.WatchPausedAsync(paused => heard.TrySetResult(paused), ct))
        {
            await operatorQueue.PauseAsync(ct);
            Assert.True(await heard.Task.WaitAsync(Patience, ct));
        }

        Assert.True(await operatorQueue.IsPausedAsync(ct));
        await signalling.DequeuesIdleAsync().WaitAsync(Patience, ct);
        var second = await operatorQueue.EnqueueAsync("work", cancellationToken: ct);

        // Two more reads of the flag: the worker's loops had the time to take it, and did not.
        var reads = signalling.PausedReads;
        await signalling.PausedReadAsync(reads + 2).WaitAsync(Patience, ct);
        Assert.True(worker.IsPaused);
        Assert.Equal(JobStatus.Queued, (await operatorQueue.GetJobAsync(second.Key, ct))!.Status);
        Assert.DoesNotContain(second.Key, ran);

        await operatorQueue.ResumeAsync(ct);

        Assert.Equal(JobStatus.Complete, (await operatorQueue.WaitAsync(second.Key, Patience, ct)).Status);
        Assert.False(worker.IsPaused);
        Assert.Equal([first.Key, second.Key], ran);
        await stop.CancelAsync();
        await running.WaitAsync(Patience, ct);
    }
}
