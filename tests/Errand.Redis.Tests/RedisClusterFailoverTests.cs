using System.Collections.Concurrent;
using System.Globalization;

namespace Errand.Redis.Tests;

/// <summary>
/// A queue on a Redis Cluster while the cluster changes under it: its slot moved to another master by
/// <c>redis-cli --cluster reshard</c>, and its master killed so that its replica takes over. Every job is counted.
/// </summary>
/// <remarks>A cluster of its own (not the shared one): these tests change which master owns what.</remarks>
public sealed class RedisClusterFailoverTests(RedisFailoverClusterFixture cluster) : IClassFixture<RedisFailoverClusterFixture>
{
    private const int Concurrency = 10;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_QueueSlotReshardedWhileJobsRunAndAreEnqueued_EveryJobCompletes()
    {
        cluster.SkipIfMissing();
        const int Before = 300;
        const int During = 200;

        // reshard moves the lowest slots of its source first: a queue in slot 0 is the one slot that moves.
        var name = Enumerable.Range(0, 1_000_000).Select(i => $"{{r{i}}}").First(n => cluster.Connection.HashSlot($"saq:{n}:queued") == 0);
        var source = await cluster.SlotOwnerAsync(0);
        var target = string.Empty;
        foreach (var server in cluster.Servers.Where(s => s.IsRunning))
        {
            var id = await cluster.NodeIdAsync(server);
            if (id != source && await IsMasterAsync(server))
            {
                target = id;
            }
        }

        await using var queue = await ConnectAsync(name, string.Empty);
        var run = new Run(Before / 3);
        var jobs = (await queue.EnqueueManyAsync("work", Enumerable.Repeat<object?>(null, Before), Options, Ct)).ToList();
        using var stop = new CancellationTokenSource();
        using var worker = new Worker(queue, run.Functions, WorkerOptions);
        var running = worker.RunAsync(stop.Token);
        await run.Started.Task.WaitAsync(Patience, Ct);

        // Enqueues go on while the slot migrates (ASK, TRYAGAIN), each batch of 10 in one call.
        var enqueuing = Task.Run(
            async () =>
            {
                var added = new List<Job>();
                for (var i = 0; i < During / 10; i++)
                {
                    added.AddRange(await queue.EnqueueManyAsync("work", Enumerable.Repeat<object?>(null, 10), Options, Ct));
                }

                return added;
            },
            Ct);
        await cluster.RunCliAsync(
            ["--cluster", "reshard", cluster.Servers[0].Endpoint, "--cluster-from", source, "--cluster-to", target, "--cluster-slots", "1", "--cluster-yes", "--cluster-pipeline", "1"],
            Ct);
        jobs.AddRange(await enqueuing.WaitAsync(Patience, Ct));

        var ended = await Task.WhenAll(jobs.Select(job => queue.WaitAsync(job.Key, Patience, Ct)));
        await stop.CancelAsync();
        await running.WaitAsync(Patience, Ct);

        Assert.Equal(target, await cluster.SlotOwnerAsync(0));
        Assert.All(ended, job => Assert.Equal(JobStatus.Complete, job.Status));
        Assert.Equal(Before + During, run.Runs.Count);
        var twice = run.Runs.Count(r => r.Value > 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"reshard: {Before + During} jobs complete, {twice} ran more than once");
        Assert.True(twice <= Concurrency, $"{twice} jobs ran more than once");
    }

    [Fact]
    public async Task EnqueueAsync_SlotHalfMigrated_IsSentAgainAfterTryAgainAndLandsOnTheNewMaster()
    {
        cluster.SkipIfMissing();
        var name = $"{{m{Guid.NewGuid():N}}}";
        await using var queue = await ConnectAsync(name, string.Empty);
        await queue.EnqueueAsync("work", cancellationToken: Ct);
        var slot = cluster.Connection.HashSlot($"saq:{name}:queued");
        var source = await cluster.MasterOfAsync($"saq:{name}:queued");
        var sourceId = await cluster.NodeIdAsync(source);
        RedisServer? target = null;
        foreach (var server in cluster.Servers.Where(s => s.IsRunning && s != source))
        {
            if (await IsMasterAsync(server))
            {
                target = server;
            }
        }

        var targetId = await cluster.NodeIdAsync(target!);
        var slotText = slot.ToString(CultureInfo.InvariantCulture);
        await Cli(target!, "CLUSTER", "SETSLOT", slotText, "IMPORTING", sourceId);
        await Cli(source, "CLUSTER", "SETSLOT", slotText, "MIGRATING", targetId);

        // One of the enqueue script's keys moved, the others not: the source answers TRYAGAIN.
        await Cli(source, "MIGRATE", "127.0.0.1", target!.Port.ToString(CultureInfo.InvariantCulture), $"saq:{name}:incomplete", "0", "5000");
        var tryAgainBefore = await TryAgainCountAsync(source);
        var enqueue = queue.EnqueueAsync("work", cancellationToken: Ct);
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(4);
        while (await TryAgainCountAsync(source) == tryAgainBefore)
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "the source never answered TRYAGAIN");
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, Ct);
        }

        Assert.False(enqueue.IsCompleted);

        // The rest of the slot moves; the retried script is redirected (MOVED) to the new master.
        var keys = (await Cli(source, "CLUSTER", "GETKEYSINSLOT", slotText, "1000")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (keys.Length > 0)
        {
            await Cli(source, ["MIGRATE", "127.0.0.1", target.Port.ToString(CultureInfo.InvariantCulture), string.Empty, "0", "5000", "KEYS", .. keys]);
        }

        foreach (var node in new[] { target, source })
        {
            await Cli(node, "CLUSTER", "SETSLOT", slotText, "NODE", targetId);
        }

        var job = await enqueue.WaitAsync(Patience, Ct);

        Assert.Equal("1", (await Cli(target, "EXISTS", RedisJobIds.For(name, job.Key))).Trim());
        Assert.Equal(2, (await queue.CountAsync(Ct)).Queued);
    }

    [Fact]
    public async Task RunAsync_MasterKilledWhileJobsRun_ReplicaTakesOverAndEveryJobCompletes()
    {
        cluster.SkipIfMissing();
        const int Jobs = 300;
        var name = $"{{f{Guid.NewGuid():N}}}";
        var old = await cluster.MasterOfAsync($"saq:{name}:queued");
        var oldId = await cluster.NodeIdAsync(old);

        // Enqueued through a queue that waits for the replica: replication is asynchronous, and this test is about what
        // the client does at a failover, not about writes the old master never passed on (see WaitForReplicas).
        List<string> keys;
        await using (var enqueuer = await ConnectAsync(name, "?wait_replicas=1&wait_timeout_ms=5000"))
        {
            keys = [.. (await enqueuer.EnqueueManyAsync("work", Enumerable.Repeat<object?>(null, Jobs), Options, Ct)).Select(j => j.Key)];
        }

        await using var queue = await ConnectAsync(name, string.Empty);
        var run = new Run(Jobs / 3);
        using var stop = new CancellationTokenSource();
        using var worker = new Worker(queue, run.Functions, WorkerOptions);
        var running = worker.RunAsync(stop.Token);
        try
        {
            await run.Started.Task.WaitAsync(Patience, Ct);
            await old.StopAsync();

            var killed = TimeProvider.System.GetTimestamp();
            var ended = await Task.WhenAll(keys.Select(key => Outages.WaitThroughOutageAsync(queue, key, Patience)));
            TestContext.Current.TestOutputHelper?.WriteLine($"failover: every job ended {TimeProvider.System.GetElapsedTime(killed).TotalSeconds:0.0} s after the kill");
            await stop.CancelAsync();
            await running.WaitAsync(Patience, Ct);

            Assert.NotEqual(oldId, await cluster.SlotOwnerAsync(cluster.Connection.HashSlot($"saq:{name}:queued")));
            Assert.All(ended, job => Assert.Equal(JobStatus.Complete, job.Status));
            Assert.Equal(Jobs, run.Runs.Count);

            // A job may run twice only if it was running (or had just finished, not yet replicated) when the master died.
            var twice = run.Runs.Count(r => r.Value > 1);
            TestContext.Current.TestOutputHelper?.WriteLine($"failover: {Jobs} jobs complete, {twice} ran more than once");
            Assert.True(twice <= Concurrency * 3, $"{twice} jobs ran more than once");
        }
        finally
        {
            await stop.CancelAsync();

            // Back as a replica of the new master, so that the cluster is whole again for the class's other test.
            if (!old.IsRunning)
            {
                await old.StartAsync(CancellationToken.None);
                await cluster.WaitUntilHealthyAsync();
            }
        }
    }

    private static JobOptions Options => new() { Timeout = TimeSpan.FromSeconds(5), Retries = 5 };

    private static WorkerOptions WorkerOptions => new()
    {
        Concurrency = Concurrency,
        DequeueWait = TimeSpan.FromMilliseconds(500),
        SweepInterval = TimeSpan.FromSeconds(1),
        ScheduleInterval = TimeSpan.FromMilliseconds(200),
    };

    private async Task<Queue> ConnectAsync(string name, string query)
    {
        var backend = await RedisQueueBackend.ConnectAsync(
            cluster.Url + query,
            new RedisBackendOptions { QueueName = name, OperationTimeout = TimeSpan.FromSeconds(2), ConnectTimeout = TimeSpan.FromSeconds(2) },
            cancellationToken: Ct);
        return new Queue(backend, new QueueOptions { WaitRecheckInterval = TimeSpan.FromSeconds(1) });
    }

    private Task<string> Cli(RedisServer server, params string[] command) =>
        cluster.RunCliAsync(["-p", server.Port.ToString(CultureInfo.InvariantCulture), .. command], Ct);

    private async Task<long> TryAgainCountAsync(RedisServer server)
    {
        var stats = await Cli(server, "INFO", "errorstats");
        var line = stats.Split('\n').FirstOrDefault(l => l.StartsWith("errorstat_TRYAGAIN:count=", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["errorstat_TRYAGAIN:count=".Length..].Trim(), CultureInfo.InvariantCulture);
    }

    private async Task<bool> IsMasterAsync(RedisServer server) =>
        (await cluster.RunCliAsync(["-p", server.Port.ToString(CultureInfo.InvariantCulture), "ROLE"], Ct)).StartsWith("master", StringComparison.Ordinal);

    // Counts every run of every job; signals once `signalAt` different jobs have started.
    private sealed class Run
    {
        public Run(int signalAt) =>
            Functions = new JobFunctions().Add("work", async context =>
            {
                if (Runs.AddOrUpdate(context.Job.Key, 1, (_, n) => n + 1) == 1 && Runs.Count >= signalAt)
                {
                    Started.TrySetResult();
                }

                await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, context.CancellationToken);
            });

        public ConcurrentDictionary<string, int> Runs { get; } = new(StringComparer.Ordinal);

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public JobFunctions Functions { get; }
    }
}
