using Errand.Backends;
using Microsoft.Extensions.Time.Testing;

namespace Errand.Redis.Tests;

/// <content>Blocking waits, cancellation, and a Redis restart.</content>
public sealed partial class RedisQueueBackendTests
{
    [Fact]
    public async Task DequeueAsync_BlockedWhenAnotherConnectionEnqueues_WakesAtOnce()
    {
        await using var producer = await RedisQueueBackend.ConnectAsync(redis.Url, new RedisBackendOptions { QueueName = QueueName }, Clock, cancellationToken: Ct);
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.FromSeconds(60)), Ct);
        await WaitUntilBlockedAsync();

        await producer.EnqueueAsync(NewJob("wake"), Ct);

        // Well before the 60 s wait ends: only BLMOVE being woken by the push can return it this soon.
        var job = Assert.Single(await waiting.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System, Ct));
        Assert.Equal("wake", job.Key);
        Assert.Equal(JobStatus.Active, job.Status);
    }

    [Fact]
    public async Task DequeueAsync_BlockedWhenSeveralArriveAtOnce_StartsTheMovedJobAloneWithTheDocumentReadBehindTheMove()
    {
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 5, TimeSpan.FromSeconds(60)), Ct);
        await WaitUntilBlockedAsync();

        await PushQueuedAtOnceAsync("a", "b", "c");

        // The read sent behind the BLMOVE brought the moved job's document: no take, so the others wait for the next.
        var job = Assert.Single(await Within(waiting));
        Assert.Equal("a", job.Key);
        Assert.Equal(JobStatus.Active, job.Status);
        Assert.Equal(1, job.Attempts);
        Assert.Equal(JobStatus.Active, (await StoredAsync("a")).Status);
        Assert.Equal(["b", "c"], (await DequeueNowAsync(5)).Select(j => j.Key));
    }

    [Fact]
    public async Task DequeueAsync_BlockedWithoutTheReadBehindTheMove_TakesTheMovedJobAndTheRestInOneCall()
    {
        ((RedisQueueBackend)Backend).PeekedTail = 0;
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 5, TimeSpan.FromSeconds(60)), Ct);
        await WaitUntilBlockedAsync();

        await PushQueuedAtOnceAsync("a", "b", "c");

        var jobs = await Within(waiting);
        Assert.Equal(["a", "b", "c"], jobs.Select(j => j.Key));
        Assert.All(jobs, j => Assert.Equal(JobStatus.Active, j.Status));
        Assert.Equal(new QueueCounts(0, 3, 0, 3), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task DequeueAsync_BlockedWhenACorruptDocumentIsMoved_MovesItAsideAndTakesNothing()
    {
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 5, TimeSpan.FromSeconds(60)), Ct);
        await WaitUntilBlockedAsync();

        await redis.Db.StringSetAsync(Id("broken"), "{\"function\": ");
        await redis.Db.SortedSetAddAsync(KeyOf("incomplete"), Id("broken"), 0);
        await redis.Db.ListRightPushAsync(KeyOf("queued"), Id("broken"));

        Assert.Empty(await Within(waiting));
        Assert.Equal("{\"function\": ", (string?)await redis.Db.HashGetAsync($"errand:{QueueName}:corrupt", Id("broken")));
        Assert.Equal(0, await redis.Db.ListLengthAsync(KeyOf("active")));
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task DequeueAsync_CancelledWhileBlocked_ThrowsSoonAndTakesNothing()
    {
        using var cancel = new CancellationTokenSource();
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.FromSeconds(60)), cancel.Token);
        await WaitUntilBlockedAsync();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System, Ct));
        await EnqueueNewAsync("after");
        Assert.Equal("after", (await DequeueOneAsync("after")).Key);
    }

    [Fact]
    public async Task DequeueAsync_TwoTakesAnsweredByOneCall_ATakerThatHoldsItsThreadDoesNotHoldTheOther()
    {
        // Two calls go out at once; the takes that come meanwhile share the third. Its first taker goes on on the
        // reply's thread and holds it (as a lane whose synchronous function runs there would) until the second
        // taker has its answer. A few rounds: a reply that comes back between the third and fourth take splits them,
        // and one that comes back before the first taker is listening leaves nothing held (the round counts for
        // nothing then). Rounds go on until one held (at most 50): on a quiet machine 5 rounds all came back early.
        var request = new DequeueRequest("w1", 1, TimeSpan.Zero);
        var held = 0;
        for (var round = 0; round < 50 && held == 0; round++)
        {
            var here = Environment.CurrentManagedThreadId;
            var ahead = new[] { Backend.DequeueAsync(request, Ct), Backend.DequeueAsync(request, Ct) };
            var second = new TaskCompletionSource<Task<IReadOnlyList<Job>>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var firstSawSecond = Backend.DequeueAsync(request, Ct).ContinueWith(
                _ => Environment.CurrentManagedThreadId == here
                    ? (bool?)null
                    : second.Task.Wait(TimeSpan.FromSeconds(4), Ct) && second.Task.Result.Wait(TimeSpan.FromSeconds(4), Ct),
                Ct,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            second.SetResult(Backend.DequeueAsync(request, Ct));

            var saw = await Within(firstSawSecond);
            Assert.NotEqual(false, saw);
            held += saw is true ? 1 : 0;
            await Task.WhenAll(ahead);
        }

        Assert.True(held > 0, "in no round was the first taker still listening when its answer came");
    }

    [Fact]
    public async Task DequeueAsync_WhileBlockedConcurrentCallersShareNothing_TheSharedConnectionStaysResponsive()
    {
        var waiting = Backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.FromSeconds(60)), Ct);
        await WaitUntilBlockedAsync();

        // Every other command goes through the shared multiplexer, which a BLMOVE must never hold up.
        var counts = await Backend.CountAsync(Ct).WaitAsync(TimeSpan.FromSeconds(5), TimeProvider.System, Ct);

        Assert.Equal(new QueueCounts(0, 0, 0, 0), counts);
        await EnqueueNewAsync("unblock");
        Assert.Single(await Within(waiting));
    }

    [Fact]
    public async Task DequeueAsync_AfterRedisRestarts_ReconnectsAndGetsTheJobsEnqueuedBefore()
    {
        Assert.SkipWhen(redis.Executable is null, "redis-server is not installed");
        await using var server = await RedisServer.StartAsync(redis.Executable!, persistent: true, Ct);
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var backend = await RedisQueueBackend.ConnectAsync(server.Url, new RedisBackendOptions { QueueName = QueueName }, clock, cancellationToken: Ct);

        // Open the blocking connection too, so that both connections live through the restart.
        Assert.Empty(await backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.FromMilliseconds(50)), Ct));
        await backend.EnqueueAsync(NewJob("before-1"), Ct);
        await backend.EnqueueAsync(NewJob("before-2"), Ct);

        await server.StopAsync();
        await server.StartAsync(Ct);

        var jobs = await backend.DequeueAsync(new DequeueRequest("w1", 5, TimeSpan.FromSeconds(1)), Ct)
            .WaitAsync(TimeSpan.FromSeconds(20), TimeProvider.System, Ct);

        Assert.Equal(["before-1", "before-2"], jobs.Select(j => j.Key));
        Assert.All(jobs, j => Assert.Equal(JobStatus.Active, j.Status));
        Assert.Equal(new QueueCounts(0, 2, 0, 2), await backend.CountAsync(Ct));

        // The blocking connection comes back too.
        var waiting = backend.DequeueAsync(new DequeueRequest("w1", 1, TimeSpan.FromSeconds(30)), Ct);
        await backend.EnqueueAsync(NewJob("after"), Ct);
        Assert.Equal("after", Assert.Single(await Within(waiting)).Key);
    }

    [Fact]
    public async Task EnqueueAsync_RedisUnreachable_ThrowsBackendUnavailableWithoutThePassword()
    {
        var port = await FreeClosedPortAsync();
        var options = new RedisBackendOptions { QueueName = QueueName, OperationTimeout = TimeSpan.FromMilliseconds(500), ConnectTimeout = TimeSpan.FromMilliseconds(200) };
        await using var backend = await RedisQueueBackend.ConnectAsync($"redis://user:s3cret@127.0.0.1:{port}", options, Clock, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<BackendUnavailableException>(() => backend.EnqueueAsync(NewJob(), Ct));

        Assert.Equal($"redis://127.0.0.1:{port}", error.Endpoint);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public async Task RedisQueueConnectAsync_Url_ReturnsAQueueOverRedis()
    {
        await using var queue = await RedisQueueFactory.ConnectAsync(redis.Url, QueueName, time: Clock, cancellationToken: Ct);

        var job = await queue.EnqueueAsync("work", new { n = 1 }, cancellationToken: Ct);

        Assert.IsType<RedisQueueBackend>(queue.Backend);
        Assert.Equal(JobStatus.Queued, (await StoredAsync(job.Key)).Status);
    }

    [Fact]
    public async Task Create_SharedMultiplexer_IsNotDisposedWithTheBackend()
    {
        await using var multiplexer = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Server.Endpoint);
        var first = RedisQueueBackend.Create(multiplexer, new RedisBackendOptions { QueueName = QueueName }, Clock);
        var second = RedisQueueBackend.Create(multiplexer, new RedisBackendOptions { QueueName = QueueName + "b" }, Clock);
        await first.EnqueueAsync(NewJob("shared"), Ct);

        await first.DisposeAsync();

        Assert.True(multiplexer.IsConnected);
        Assert.Equal(1, (await second.CountAsync(Ct)).Queued + (await Backend.CountAsync(Ct)).Queued);
        await second.DisposeAsync();
    }

    // Stores queued documents first and pushes their ids in one command, so that one BLMOVE wakes to find them all.
    private async Task PushQueuedAtOnceAsync(params string[] keys)
    {
        foreach (var key in keys)
        {
            var job = NewJob(key);
            job.Status = JobStatus.Queued;
            job.Queued = NowMs;
            await redis.Db.StringSetAsync(Id(key), JobDocument.Serialize(job));
            await redis.Db.SortedSetAddAsync(KeyOf("incomplete"), Id(key), 0);
        }

        await redis.Db.ListRightPushAsync(KeyOf("queued"), [.. keys.Select(k => (StackExchange.Redis.RedisValue)Id(k))]);
    }

    // Polls the server until a client is blocked: the test then knows the BLMOVE is in place.
    private async Task WaitUntilBlockedAsync()
    {
        for (var i = 0; i < 500; i++)
        {
            var info = (string?)await redis.Db.ExecuteAsync("INFO", "clients");
            if (info is not null && !info.Contains("blocked_clients:0", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System, Ct);
        }

        Assert.Fail("no client blocked within 5 s");
    }

    private static Task<int> FreeClosedPortAsync()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return Task.FromResult(port);
    }
}
