using System.Globalization;
using StackExchange.Redis;

namespace Errand.Redis.Tests;

/// <summary><c>wait_replicas</c>: an enqueue or a finish is acknowledged once that many replicas have it (Redis WAIT).</summary>
public sealed class RedisReplicaWaitTests(RedisServerFixture redis)
{
    [Fact]
    public async Task EnqueueAsync_WaitForOneReplica_TheJobIsOnTheReplicaWhenItReturns()
    {
        redis.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        await using var primary = await RedisServer.StartAsync(redis.Executable!, cancellationToken: ct);
        await using var replica = await StartReplicaAsync(primary, ct);
        var queueName = $"w{Guid.NewGuid():N}";
        await using var queue = await RedisQueueFactory.ConnectAsync($"{primary.Url}?wait_replicas=1&wait_timeout_ms=5000", queueName, cancellationToken: ct);
        await using var onReplica = await ConnectionMultiplexer.ConnectAsync(replica.Endpoint);

        var jobs = await queue.EnqueueManyAsync("work", Enumerable.Repeat<object?>(null, 200), cancellationToken: ct);

        // Read at once on the replica, with no wait of the test's own: WAIT has already made sure it is there.
        var there = await Task.WhenAll(jobs.Select(j => onReplica.GetDatabase().KeyExistsAsync(RedisJobIds.For(queueName, j.Key))));
        Assert.All(there, Assert.True);
    }

    [Fact]
    public async Task EnqueueAsync_WaitForMoreReplicasThanThereAre_FailsSayingHowManyConfirmed()
    {
        redis.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        await using var primary = await RedisServer.StartAsync(redis.Executable!, cancellationToken: ct);
        await using var replica = await StartReplicaAsync(primary, ct);
        await using var queue = await RedisQueueFactory.ConnectAsync($"{primary.Url}?wait_replicas=2&wait_timeout_ms=200", $"w{Guid.NewGuid():N}", cancellationToken: ct);

        var error = await Assert.ThrowsAsync<BackendUnavailableException>(() => queue.EnqueueAsync("work", cancellationToken: ct));

        Assert.Contains("1 of the 2 replicas", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FinishAsync_WaitForOneReplica_TheOutcomeIsOnTheReplicaWhenItReturns()
    {
        redis.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        await using var primary = await RedisServer.StartAsync(redis.Executable!, cancellationToken: ct);
        await using var replica = await StartReplicaAsync(primary, ct);
        var queueName = $"w{Guid.NewGuid():N}";
        await using var backend = await RedisQueueBackend.ConnectAsync($"{primary.Url}?wait_replicas=1&wait_timeout_ms=5000", new RedisBackendOptions { QueueName = queueName }, cancellationToken: ct);
        await using var onReplica = await ConnectionMultiplexer.ConnectAsync(replica.Endpoint);
        foreach (var key in Enumerable.Range(0, 50).Select(i => $"k{i}"))
        {
            await backend.EnqueueAsync(new Job("work", queueName, key), ct);
        }

        var taken = await backend.DequeueAsync(new Backends.DequeueRequest("w", 50, TimeSpan.Zero), ct);
        await Task.WhenAll(taken.Select(job => backend.FinishAsync(job, JobStatus.Complete, ct)));

        // Read at once on the replica: the finish's WAIT has already made sure the outcome is there.
        var documents = await Task.WhenAll(taken.Select(j => onReplica.GetDatabase().StringGetAsync(RedisJobIds.For(queueName, j.Key))));
        Assert.Equal(50, taken.Count);
        Assert.All(documents, d => Assert.Contains("\"status\":\"complete\"", d.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task FinishAsync_WaitForMoreReplicasThanThereAre_FailsSayingHowManyConfirmed()
    {
        redis.SkipIfMissing();
        var ct = TestContext.Current.CancellationToken;
        await using var primary = await RedisServer.StartAsync(redis.Executable!, cancellationToken: ct);
        await using var replica = await StartReplicaAsync(primary, ct);
        var queueName = $"w{Guid.NewGuid():N}";
        await using (var enqueuer = await RedisQueueFactory.ConnectAsync(primary.Url, queueName, cancellationToken: ct))
        {
            await enqueuer.EnqueueAsync(new Job("work", queueName, "k1"), ct);
        }

        await using var backend = await RedisQueueBackend.ConnectAsync($"{primary.Url}?wait_replicas=2&wait_timeout_ms=200", new RedisBackendOptions { QueueName = queueName }, cancellationToken: ct);
        var job = Assert.Single(await backend.DequeueAsync(new Backends.DequeueRequest("w", 1, TimeSpan.Zero), ct));

        var error = await Assert.ThrowsAsync<BackendUnavailableException>(() => backend.FinishAsync(job, JobStatus.Complete, ct));

        Assert.Contains("1 of the 2 replicas", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplicaWait_UnknownParameter_IsRefusedByName()
    {
        var error = Assert.Throws<ArgumentException>(() => RedisConnectionString.ReplicaWait("redis://u:topsecret@h:1/0?wait_replica=1"));

        Assert.Contains("'wait_replica'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("topsecret", error.Message, StringComparison.Ordinal);
    }

    private static async Task<RedisServer> StartReplicaAsync(RedisServer primary, CancellationToken ct)
    {
        var replica = await RedisServer.StartAsync(primary.Executable, ["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)], ct);
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{replica.Endpoint},allowAdmin=true");
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(20);
        while (!((await connection.GetServer(replica.Endpoint).InfoRawAsync("replication")) ?? string.Empty).Contains("master_link_status:up", StringComparison.Ordinal))
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "the replica did not link to its primary within 20 s");
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, ct);
        }

        return replica;
    }
}
