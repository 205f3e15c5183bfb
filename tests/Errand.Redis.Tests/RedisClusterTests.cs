using System.Globalization;
using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis.Tests;

/// <summary>What only a Redis Cluster asks of a queue: a hash-tagged name, queues spread over the masters, discovery on every master.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterTests(RedisClusterFixture cluster)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("{emails}", true)]
    [InlineData("app:{emails}:high", true)]
    [InlineData("{a}{b}", true)]
    [InlineData("emails", false)]
    [InlineData("{}emails", false)]
    [InlineData("{}{emails}", false)]
    [InlineData("emails{", false)]
    [InlineData("e}mails{", false)]
    public void IsSingleSlot_QueueName_IsTrueOnlyForANonEmptyHashTag(string name, bool expected) =>
        Assert.Equal(expected, RedisClusterNames.IsSingleSlot(name));

    [Fact]
    public void IsSingleSlot_TaggedName_EveryKeyOfTheQueueHashesToOneSlot()
    {
        cluster.SkipIfMissing();
        var keys = new RedisKeys("app:{emails}");
        RedisKey[] all =
        [
            keys.Incomplete, keys.Queued, keys.Active, keys.Schedule, keys.Sweep, keys.Stats, keys.Corrupt,
            keys.FinishedComplete, keys.FinishedExpiry, keys.History(1), keys.WorkerInfo("w"), keys.Job("k{x}"),
            keys.ClusterAbort("k}"),
        ];

        Assert.Single(all.Select(cluster.Connection.HashSlot).Distinct());
    }

    [Fact]
    public async Task ConnectAsync_NameWithoutHashTag_IsRefusedSayingHowToNameIt()
    {
        cluster.SkipIfMissing();

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            RedisQueueBackend.ConnectAsync(cluster.Url, new RedisBackendOptions { QueueName = "emails" }, cancellationToken: Ct));

        Assert.Contains("Redis Cluster", error.Message, StringComparison.Ordinal);
        Assert.Contains("'{emails}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("hash tag", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_UrlNamingSeveralNodes_FindsTheWholeCluster()
    {
        cluster.SkipIfMissing();
        var name = $"{{n{Guid.NewGuid():N}}}";
        var url = $"redis://{cluster.Servers[4].Endpoint},{cluster.Servers[5].Endpoint}";
        await using var queue = await RedisQueueFactory.ConnectAsync(url, name, cancellationToken: Ct);

        var job = await queue.EnqueueAsync("work", cancellationToken: Ct);

        // Two replicas named (as created), and the job is on the master of its slot.
        Assert.True(await cluster.Db.KeyExistsAsync(RedisJobIds.For(name, job.Key)));
        Assert.Equal(JobStatus.Queued, (await queue.GetJobAsync(job.Key, Ct))!.Status);
    }

    [Fact]
    public async Task OpenBackendAsync_StoreOnACluster_RefusesANameWithoutHashTagAndOpensATaggedOne()
    {
        cluster.SkipIfMissing();
        await using var store = await RedisQueueStoreProvider.Instance.ConnectAsync(cluster.Url, new QueueStoreOptions(), Ct);

        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenBackendAsync("emails", Ct));
        await using var backend = await store.OpenBackendAsync("{emails}", Ct);
        Assert.Equal("{emails}", backend.QueueName);
    }

    [Fact]
    public async Task RunAsync_QueuesTaggedForEachMaster_LandOnDifferentMastersAndAllWork()
    {
        cluster.SkipIfMissing();
        const int JobsPerQueue = 20;
        var names = await NamesOnEveryMasterAsync();
        var queues = new List<Queue>();
        var workers = new List<(Worker Worker, CancellationTokenSource Stop, Task Run)>();
        try
        {
            foreach (var name in names)
            {
                var queue = await RedisQueueFactory.ConnectAsync(cluster.Url, name, cancellationToken: Ct);
                queues.Add(queue);
                var functions = new JobFunctions().Add("work", _ => Task.CompletedTask);
                var worker = new Worker(queue, functions, new WorkerOptions { Concurrency = 4, DequeueWait = TimeSpan.FromSeconds(1) });
                var stop = new CancellationTokenSource();
                workers.Add((worker, stop, worker.RunAsync(stop.Token)));
            }

            var results = await Task.WhenAll(queues.Select(async queue =>
            {
                var jobs = await queue.EnqueueManyAsync("work", Enumerable.Repeat<object?>(null, JobsPerQueue), cancellationToken: Ct);
                return await Task.WhenAll(jobs.Select(job => queue.WaitAsync(job.Key, Patience, Ct)));
            }));

            Assert.All(results.SelectMany(r => r), job => Assert.Equal(JobStatus.Complete, job.Status));

            // Each queue's job documents and lists are on its own master, read there without redirection.
            var masters = new HashSet<int>();
            for (var i = 0; i < names.Count; i++)
            {
                var master = await cluster.MasterOfAsync($"saq:{names[i]}:incomplete");
                masters.Add(master.Port);
                var id = RedisJobIds.For(names[i], results[i][0].Key);
                var exists = await cluster.RunCliAsync(["-p", master.Port.ToString(CultureInfo.InvariantCulture), "EXISTS", id], Ct);
                Assert.Equal("1", exists.Trim());
            }

            Assert.Equal(3, masters.Count);
        }
        finally
        {
            foreach (var (worker, stop, run) in workers)
            {
                await stop.CancelAsync();
                await run.WaitAsync(Patience, CancellationToken.None);
                worker.Dispose();
                stop.Dispose();
            }

            foreach (var queue in queues)
            {
                await queue.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task FindQueuesAsync_QueuesOnEveryMaster_ListsThemAll()
    {
        cluster.SkipIfMissing();
        var names = await NamesOnEveryMasterAsync();
        foreach (var name in names)
        {
            await using var queue = await RedisQueueFactory.ConnectAsync(cluster.Url, name, cancellationToken: Ct);
            await queue.EnqueueAsync("work", cancellationToken: Ct);
        }

        // What the dashboard, `errand info` and `errand jobs` use: the store's discovery, over every master.
        await using var store = await RedisQueueStoreProvider.Instance.ConnectAsync(cluster.Url, new QueueStoreOptions(), Ct);
        var found = await store.FindQueuesAsync(Ct);

        Assert.Equal(names.Order(StringComparer.Ordinal), found.Where(names.Contains));
        foreach (var name in names)
        {
            Assert.True(await store.QueueExistsAsync(name, Ct));
        }

        // A name without a tag spreads its keys over several slots: asking whether it exists still answers.
        Assert.False(await store.QueueExistsAsync($"absent-{Guid.NewGuid():N}", Ct));
    }

    [Fact]
    public async Task AbortAsync_RunningJobOnACluster_WritesTheMarkerInTheQueuesSlotAndItHoldsTheKey()
    {
        cluster.SkipIfMissing();
        var name = $"{{a{Guid.NewGuid():N}}}";
        await using var backend = await RedisQueueBackend.ConnectAsync(cluster.Url, new RedisBackendOptions { QueueName = name }, cancellationToken: Ct);
        var job = (await backend.EnqueueAsync(new Job("work", name, "k1"), Ct)).Job;
        Assert.Single(await backend.DequeueAsync(new DequeueRequest("w", 1, TimeSpan.Zero), Ct));

        Assert.Equal(AbortResult.Aborting, await backend.AbortAsync(job, "stop", Ct));

        Assert.Equal("stop", (string?)await cluster.Db.StringGetAsync($"errand:{name}:abort:k1"));
        Assert.False(await cluster.Db.KeyExistsAsync("saq:abort:k1"));
        Assert.False((await backend.EnqueueAsync(new Job("work", name, "k1"), Ct)).Enqueued);
    }

    [Fact]
    public async Task DequeueAsync_CancelledWhileBlockedOnACluster_ThrowsSoonAndTakesNothing()
    {
        cluster.SkipIfMissing();
        var name = $"{{b{Guid.NewGuid():N}}}";
        await using var backend = await RedisQueueBackend.ConnectAsync(cluster.Url, new RedisBackendOptions { QueueName = name }, cancellationToken: Ct);
        var master = await cluster.MasterOfAsync($"saq:{name}:queued");
        using var cancel = new CancellationTokenSource();
        var waiting = backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.FromSeconds(30)), cancel.Token);
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(5);
        while ((await cluster.RunCliAsync(["-p", master.Port.ToString(CultureInfo.InvariantCulture), "INFO", "clients"], Ct)).Contains("blocked_clients:0", StringComparison.Ordinal))
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "no client blocked on the queue's master within 5 s");
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, Ct);
        }

        await cancel.CancelAsync();

        // CLIENT ID and CLIENT UNBLOCK reach the master the BLMOVE blocks on; sent anywhere else, the wait would last 30 s.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System, Ct));
        await backend.EnqueueAsync(new Job("work", name, "after"), Ct);
        Assert.Equal("after", Assert.Single(await backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.Zero), Ct)).Key);
    }

    [Fact]
    public async Task EnqueueAsync_WaitForOneReplicaOnACluster_TheJobIsOnTheReplicaOfItsMaster()
    {
        cluster.SkipIfMissing();
        var name = $"{{w{Guid.NewGuid():N}}}";
        await using var queue = await RedisQueueFactory.ConnectAsync($"{cluster.Url}?wait_replicas=1&wait_timeout_ms=5000", name, cancellationToken: Ct);
        var master = await cluster.MasterOfAsync($"saq:{name}:queued");
        var before = new Dictionary<int, long>();
        foreach (var server in cluster.Servers)
        {
            before[server.Port] = await WaitCallsAsync(server);
        }

        var jobs = await queue.EnqueueManyAsync("work", Enumerable.Repeat<object?>(null, 50), cancellationToken: Ct);

        // WAIT went to the queue's master, and to no other node (a keyless command sent elsewhere would confirm nothing).
        foreach (var server in cluster.Servers)
        {
            var calls = await WaitCallsAsync(server) - before[server.Port];
            Assert.True(server == master ? calls > 0 : calls == 0, $"node {server.Port} ({(server == master ? "the queue's master" : "another")}) ran WAIT {calls} times");
        }

        // Read on the master's replica itself, with redis-cli (SCAN needs no READONLY): a cluster client's connection to
        // the replica may come up later than the queue's, and CI saw the fixture's stay away for over 30 s.
        var replica = await ReplicaOfAsync(master);
        var stored = (await cluster.RunCliAsync(["-p", replica.Port.ToString(CultureInfo.InvariantCulture), "--scan", "--pattern", $"saq:job:{name}:*"], Ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.Ordinal);
        Assert.All(jobs, j => Assert.Contains(RedisJobIds.For(name, j.Key), stored));
    }

    private async Task<RedisServer> ReplicaOfAsync(RedisServer master)
    {
        foreach (var server in cluster.Servers.Where(s => s.IsRunning && s != master))
        {
            var replication = await cluster.RunCliAsync(["-p", server.Port.ToString(CultureInfo.InvariantCulture), "INFO", "replication"], Ct);
            if (replication.Contains("role:slave", StringComparison.Ordinal)
                && replication.Contains($"master_port:{master.Port.ToString(CultureInfo.InvariantCulture)}\r", StringComparison.Ordinal))
            {
                return server;
            }
        }

        throw new InvalidOperationException($"Node {master.Endpoint} has no replica.");
    }

    private async Task<long> WaitCallsAsync(RedisServer server)
    {
        var stats = await cluster.RunCliAsync(["-p", server.Port.ToString(CultureInfo.InvariantCulture), "INFO", "commandstats"], Ct);
        var line = stats.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_wait:calls=", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["cmdstat_wait:calls=".Length..].Split(',')[0], CultureInfo.InvariantCulture);
    }

    // Hash-tagged names, one on each master.
    private async Task<List<string>> NamesOnEveryMasterAsync()
    {
        var byMaster = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; byMaster.Count < 3; i++)
        {
            Assert.True(i < 1000, "no names found on three masters");
            var name = $"{{q{i}-{Guid.NewGuid():N}}}";
            byMaster.TryAdd(await cluster.SlotOwnerAsync(cluster.Connection.HashSlot($"saq:{name}:queued")), name);
        }

        return [.. byMaster.Values];
    }
}
