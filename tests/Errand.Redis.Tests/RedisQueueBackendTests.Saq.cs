using System.Globalization;
using System.Text.Json;
using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis.Tests;

/// <content>The SAQ layout, key by key, and documents written by Python SAQ.</content>
public sealed partial class RedisQueueBackendTests
{
    [Fact]
    public async Task EnqueueAsync_ReadyJob_WritesSaqDocumentScoreAndQueuedList()
    {
        var job = NewJob("exact");
        job.Kwargs = Json("""{"a": 1}""");

        await Backend.EnqueueAsync(job, Ct);

        var stored = (byte[]?)await redis.Db.StringGetAsync(Id("exact"));
        Assert.Equal(JobDocument.Serialize(job), stored);
        using var document = JsonDocument.Parse(stored);
        Assert.Equal("queued", document.RootElement.GetProperty("status").GetString());
        Assert.Equal(NowMs, document.RootElement.GetProperty("queued").GetInt64());
        Assert.Equal(0, await redis.Db.SortedSetScoreAsync(KeyOf("incomplete"), Id("exact")));
        Assert.Equal([Id("exact")], (await redis.Db.ListRangeAsync(KeyOf("queued"))).Select(v => (string)v!));
        Assert.Null(await redis.Db.KeyTimeToLiveAsync(Id("exact")));
    }

    [Fact]
    public async Task EnqueueAsync_ManyAtOnce_EachIsHandledAsIfSentAlone()
    {
        await Backend.EnqueueAsync(NewJob("before"), Ct);
        await redis.Db.StringSetAsync($"saq:abort:{NewJob("marked").Key}", "stop", TimeSpan.FromMinutes(1));
        await using var subscription = await Backend.SubscribeAsync(["first", "twice", "after"], Ct);
        var twiceFirst = NewJob("twice");
        twiceFirst.Kwargs = Json("""{"n": 1}""");
        var twiceSecond = NewJob("twice");
        twiceSecond.Kwargs = Json("""{"n": 2}""");

        // Started without awaiting: the first goes at once, the others wait for it and go together in one call.
        var results = await Task.WhenAll(
            Backend.EnqueueAsync(NewJob("first"), Ct),
            Backend.EnqueueAsync(twiceFirst, Ct),
            Backend.EnqueueAsync(NewJob("before"), Ct),
            Backend.EnqueueAsync(twiceSecond, Ct),
            Backend.EnqueueAsync(NewJob("marked"), Ct),
            Backend.EnqueueAsync(NewJob("after"), Ct));

        Assert.Equal([true, true, false, false, false, true], results.Select(r => r.Enqueued));
        Assert.Equal(JsonSerializer.Serialize(twiceFirst.Kwargs), JsonSerializer.Serialize(results[3].Job.Kwargs));
        Assert.Equal(JobStatus.Queued, results[2].Job.Status);
        Assert.False(await redis.Db.KeyExistsAsync(Id("marked")));
        Assert.Equal(
            [Id("before"), Id("first"), Id("twice"), Id("after")],
            (await redis.Db.ListRangeAsync(KeyOf("queued"))).Select(v => (string)v!));
        Assert.Equal(4, await redis.Db.SortedSetLengthAsync(KeyOf("incomplete")));
        var heard = new List<JobStatusChange>();
        for (var i = 0; i < 3; i++)
        {
            heard.Add(await Within(subscription.Changes.ReadAsync(Ct).AsTask()));
        }

        Assert.Equal(["after", "first", "twice"], heard.Select(c => c.Key).Order());
        Assert.All(heard, c => Assert.Equal(JobStatus.Queued, c.Status));
    }

    [Fact]
    public async Task EnqueueAsync_SixHundredAtOnce_RefusesExactlyTheKeysAlreadyQueued()
    {
        // More than one call's worth (500) and more than one of the script's chunks (250): one key queued before sits
        // in the second chunk of a call, the other in the call after it.
        await Backend.EnqueueAsync(NewJob("k300"), Ct);
        await Backend.EnqueueAsync(NewJob("k520"), Ct);
        var keys = Enumerable.Range(0, 600).Select(i => $"k{i}").ToList();

        var results = await Task.WhenAll(keys.Select(key => Backend.EnqueueAsync(NewJob(key), Ct)));

        Assert.Equal(keys.Where(k => k is not "k300" and not "k520"), keys.Where((_, i) => results[i].Enqueued));
        var queued = (await redis.Db.ListRangeAsync(KeyOf("queued"))).Select(v => (string)v!).ToList();
        Assert.Equal([Id("k300"), Id("k520"), .. keys.Where(k => k is not "k300" and not "k520").Select(Id)], queued);
        Assert.Equal(600, await redis.Db.SortedSetLengthAsync(KeyOf("incomplete")));
    }

    [Fact]
    public async Task EnqueueAsync_ScheduledJob_WritesScheduledAsAnIntegerAndScoresItInSeconds()
    {
        var at = Clock.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds();
        var job = NewJob("later");
        job.Scheduled = at;

        await Backend.EnqueueAsync(job, Ct);

        var text = (string?)await redis.Db.StringGetAsync(Id("later"));
        Assert.Contains($"\"scheduled\":{at},", text, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(text!);
        Assert.Equal(JsonValueKind.Number, document.RootElement.GetProperty("scheduled").ValueKind);
        Assert.True(document.RootElement.GetProperty("scheduled").TryGetInt64(out var written));
        Assert.Equal(at, written);
        Assert.Equal(at, await redis.Db.SortedSetScoreAsync(KeyOf("incomplete"), Id("later")));
        Assert.Equal(0, await redis.Db.ListLengthAsync(KeyOf("queued")));
    }

    [Fact]
    public async Task FinishAsync_Complete_SetsTheDocumentWithItsTtlAndLeavesTheLists()
    {
        await EnqueueNewAsync("done", j => j.Ttl = 120);
        var job = await DequeueOneAsync("done");
        job.Result = Json("42");

        await Backend.FinishAsync(job, JobStatus.Complete, Ct);

        var ttl = await redis.Db.KeyTimeToLiveAsync(Id("done"));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(110), TimeSpan.FromSeconds(120));
        Assert.Equal(JobDocument.Serialize(job), (byte[]?)await redis.Db.StringGetAsync(Id("done")));
        Assert.Null(await redis.Db.SortedSetScoreAsync(KeyOf("incomplete"), Id("done")));
        Assert.Equal(0, await redis.Db.ListLengthAsync(KeyOf("active")));
        Assert.Equal(0, await redis.Db.ListLengthAsync(KeyOf("queued")));
    }

    [Fact]
    public async Task FinishAsync_IdTakenTwice_StaleRunChangesNothingCurrentRunEndsItAndTheSweepClearsTheLeftover()
    {
        // An id queued twice (SAQ's retry and its schedule round can both push one) is taken twice. The first run is
        // no longer the job's current attempt: its finish stores nothing. The second run's finish removes its own
        // entry (SAQ's LREM count 1); the entry left over is cleared by the sweep, which never runs the job again.
        await Backend.EnqueueAsync(NewJob("twice"), Ct);
        await redis.Db.ListRightPushAsync(KeyOf("queued"), Id("twice"));
        var first = await DequeueOneAsync("twice", "w1");
        var second = await DequeueOneAsync("twice", "w2");
        await SettleAsync("twice");
        Assert.Equal([Id("twice"), Id("twice")], (await redis.Db.ListRangeAsync(KeyOf("active"))).Select(v => (string)v!));

        await Backend.FinishAsync(first, JobStatus.Failed, Ct);
        await SettleAsync("twice");
        Assert.Equal(2, await redis.Db.ListLengthAsync(KeyOf("active")));
        Assert.Equal(JobStatus.Active, (await StoredAsync("twice")).Status);

        await Backend.FinishAsync(second, JobStatus.Complete, Ct);
        await SettleAsync("twice");
        Assert.Equal([Id("twice")], (await redis.Db.ListRangeAsync(KeyOf("active"))).Select(v => (string)v!));
        Assert.Null(await redis.Db.SortedSetScoreAsync(KeyOf("incomplete"), Id("twice")));

        var swept = await Backend.SweepAsync(new SweepRequest(ShortLock, TimeSpan.Zero) { Decide = _ => SweepDecision.Retry(TimeSpan.Zero) }, Ct);
        Assert.Empty(swept.Stuck);
        Assert.Equal(["twice"], swept.Removed);
        Assert.Equal(0, await redis.Db.ListLengthAsync(KeyOf("active")));
        Assert.Equal(JobStatus.Complete, (await StoredAsync("twice")).Status);
    }

    [Fact]
    public async Task FinishAsync_TtlZero_KeepsTheDocumentWithoutExpiry()
    {
        await EnqueueNewAsync("forever", j => j.Ttl = 0);
        var job = await DequeueOneAsync("forever");

        await Backend.FinishAsync(job, JobStatus.Complete, Ct);

        Assert.True(await redis.Db.KeyExistsAsync(Id("forever")));
        Assert.Null(await redis.Db.KeyTimeToLiveAsync(Id("forever")));
    }

    [Fact]
    public async Task DequeueAsync_DocumentWrittenByPythonSaq_IsTakenAndWorkedThroughTheContract()
    {
        // What SAQ 0.2x writes: json.dumps(job.to_dict()) with its default ", " and ": " separators.
        var queuedMs = NowMs - 1500;
        var python = """{"function": "add", "kwargs": {"a": 1, "b": 2}, "queue": "QUEUE", "key": "py-1", "timeout": 10, "heartbeat": 0, "retries": 1, "ttl": 600, "retry_delay": 0.0, "retry_backoff": false, "scheduled": 0, "progress": 0.0, "attempts": 0, "completed": 0, "queued": QUEUED_MS, "started": 0, "touched": 0, "result": null, "error": null, "status": "queued", "priority": 0, "group_key": null, "meta": {}}""".Replace("QUEUED_MS", queuedMs.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal).Replace("QUEUE", QueueName, StringComparison.Ordinal);
        await redis.Db.StringSetAsync(Id("py-1"), python);
        await redis.Db.SortedSetAddAsync(KeyOf("incomplete"), Id("py-1"), 0);
        await redis.Db.ListRightPushAsync(KeyOf("queued"), Id("py-1"));

        var job = await DequeueOneAsync("py-1", "dotnet-worker");

        Assert.Equal("add", job.Function);
        Assert.Equal(3, job.Kwargs!.Value.GetProperty("a").GetInt32() + job.Kwargs!.Value.GetProperty("b").GetInt32());
        Assert.Equal(queuedMs, job.Queued);
        Assert.Equal(1, job.Attempts);
        Assert.Equal(JobStatus.Active, job.Status);
        job.Result = Json("3");
        await Backend.FinishAsync(job, JobStatus.Complete, Ct);

        using var stored = JsonDocument.Parse((string)(await redis.Db.StringGetAsync(Id("py-1")))!);
        Assert.Equal("complete", stored.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, stored.RootElement.GetProperty("result").GetInt32());
        Assert.Equal(1.0, stored.RootElement.GetProperty("progress").GetDouble());
        Assert.Equal(NowMs, stored.RootElement.GetProperty("completed").GetInt64());
        Assert.Equal("dotnet-worker", stored.RootElement.GetProperty("worker_id").GetString());
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    // The limited take reads a job's function from the start of its document without decoding it: the layout Python
    // SAQ writes (", " and ": ") and a function name with an escaped quote (decoded) must count as Errand's do.
    [Theory]
    [InlineData("add")]
    [InlineData("say \\\"hi\\\"")]
    public async Task DequeueAsync_PythonDocumentsOfALimitedFunction_TakesOnlyTheLimit(string escapedFunction)
    {
        var function = JsonDocument.Parse($"\"{escapedFunction}\"").RootElement.GetString()!;
        var limits = new QueueLimits();
        limits.Functions[function] = new Limit { Concurrency = 2 };
        await Backend.SetLimitsAsync(limits, Ct);
        for (var i = 0; i < 4; i++)
        {
            var key = $"py-{i}";
            var python = $$$"""{"function": "{{{escapedFunction}}}", "kwargs": {"function": "other"}, "queue": "{{{QueueName}}}", "key": "{{{key}}}", "timeout": 10, "heartbeat": 0, "retries": 1, "ttl": 600, "retry_delay": 0.0, "retry_backoff": false, "scheduled": 0, "progress": 0.0, "attempts": 0, "completed": 0, "queued": {{{NowMs}}}, "started": 0, "touched": 0, "result": null, "error": null, "status": "queued", "priority": 0, "group_key": null, "meta": {}}""";
            await redis.Db.StringSetAsync(Id(key), python);
            await redis.Db.SortedSetAddAsync(KeyOf("incomplete"), Id(key), 0);
            await redis.Db.ListRightPushAsync(KeyOf("queued"), Id(key));
        }

        var taken = await DequeueNowAsync(maxJobs: 10);

        Assert.Equal(["py-0", "py-1"], taken.Select(j => j.Key));
        Assert.All(taken, j => Assert.Equal(function, j.Function));
        var state = Assert.Single(await Backend.GetLimitStatesAsync(Ct), s => s.Target.Name == function);
        Assert.Equal((2, 2), (state.Running, state.Held));
    }

    [Fact]
    public async Task DequeueAsync_CorruptDocumentFirst_MovesItAsideLogsItAndReturnsTheNextJob()
    {
        await redis.Db.StringSetAsync(Id("broken"), "{\"function\": ");
        await redis.Db.SortedSetAddAsync(KeyOf("incomplete"), Id("broken"), 0);
        await redis.Db.ListRightPushAsync(KeyOf("queued"), Id("broken"));
        await EnqueueNewAsync("good");

        var job = await DequeueOneAsync("good");

        Assert.Equal(JobStatus.Active, job.Status);
        Assert.Equal(new QueueCounts(0, 1, 0, 1), await Backend.CountAsync(Ct));
        Assert.False(await redis.Db.KeyExistsAsync(Id("broken")));
        Assert.Equal("{\"function\": ", (string?)await redis.Db.HashGetAsync($"errand:{QueueName}:corrupt", Id("broken")));
        var record = Assert.Single(_logs.GetSnapshot(), r => r.Id.Id == 3002);
        Assert.Contains(Id("broken"), record.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DequeueAsync_AbortedBetweenTheMoveAndTheMark_EndsItAbortedInsteadOfRunningIt()
    {
        // The instant of the race, frozen: the id was taken, and an abort wrote "aborting" before the worker marked it.
        var job = await EnqueueNewAsync("raced");
        job.Status = JobStatus.Aborting;
        job.Error = "stop it";
        await redis.Db.StringSetAsync(Id("raced"), JobDocument.Serialize(job));
        await redis.Db.StringSetAsync("saq:abort:raced", "stop it", TimeSpan.FromSeconds(5));

        Assert.Empty(await DequeueNowAsync());

        var stored = await StoredAsync("raced");
        Assert.Equal(JobStatus.Aborted, stored.Status);
        Assert.Equal("stop it", stored.Error);
        Assert.Equal(0, stored.Attempts);
        Assert.False(await redis.Db.KeyExistsAsync("saq:abort:raced"));
        Assert.Equal(new QueueCounts(0, 0, 0, 0), await Backend.CountAsync(Ct));
    }

    [Fact]
    public async Task DequeueAsync_IdWithoutDocument_DropsItAndReturnsTheNextJob()
    {
        await redis.Db.SortedSetAddAsync(KeyOf("incomplete"), Id("ghost"), 0);
        await redis.Db.ListRightPushAsync(KeyOf("queued"), Id("ghost"));
        await EnqueueNewAsync("real");

        Assert.Equal("real", (await DequeueOneAsync("real")).Key);

        Assert.Equal(new QueueCounts(0, 1, 0, 1), await Backend.CountAsync(Ct));
        Assert.Contains(_logs.GetSnapshot(), r => r.Id.Id == 3003 && r.Message.Contains(Id("ghost"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteWorkerInfoAsync_WritesSaqWorkerInfoAndStatsScoreInMilliseconds()
    {
        await Backend.WriteWorkerInfoAsync(NewWorkerInfo("w9"), TimeSpan.FromSeconds(11), Ct);

        var member = KeyOf("worker_info:w9");
        Assert.Equal(NowMs + 11_000, await redis.Db.SortedSetScoreAsync(KeyOf("stats"), member));
        var ttl = await redis.Db.KeyTimeToLiveAsync(member);
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(11));
        Assert.NotNull(await redis.Db.KeyTimeToLiveAsync(KeyOf("stats")));
        using var document = JsonDocument.Parse((string)(await redis.Db.StringGetAsync(member))!);
        Assert.Equal(QueueName, document.RootElement.GetProperty("queue_key").GetString());
        Assert.Equal(1, document.RootElement.GetProperty("stats").GetProperty("complete").GetInt32());
    }

    [Fact]
    public async Task AbortAsync_RunningJob_WritesTheSaqAbortMarkerWithAShortExpiry()
    {
        await EnqueueNewAsync("stop");
        var job = await DequeueOneAsync("stop");

        Assert.Equal(AbortResult.Aborting, await Backend.AbortAsync(job, "enough", Ct));

        Assert.Equal("enough", (string?)await redis.Db.StringGetAsync("saq:abort:stop"));
        Assert.InRange((await redis.Db.KeyTimeToLiveAsync("saq:abort:stop"))!.Value, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
        Assert.Equal(0, await redis.Db.ListLengthAsync(KeyOf("active")));
    }

    [Fact]
    public async Task SubscribeAsync_StatusPublishedByAnotherClient_IsDelivered()
    {
        await using var subscription = await Backend.SubscribeAsync(["remote"], Ct);

        await redis.Db.PublishAsync(RedisChannel.Literal($"saq:job:{QueueName}x:remote"), "active");
        await redis.Db.PublishAsync(RedisChannel.Literal(Id("remote")), "complete");

        var change = await Within(subscription.Changes.ReadAsync(Ct).AsTask());
        Assert.Equal(new JobStatusChange("remote", JobStatus.Complete), change);
    }

    [Fact]
    public async Task ListJobsAsync_QueuedWithScheduledJobs_PagesReadyThenScheduled()
    {
        var later = Clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds();
        await EnqueueNewAsync("s1", j => j.Scheduled = later);
        await EnqueueNewAsync("r1");
        await EnqueueNewAsync("r2");

        var page = await Backend.ListJobsAsync(new JobQuery(JobStatus.Queued, 1, 5), Ct);

        Assert.Equal(3, page.Total);
        Assert.Equal(["r2", "s1"], page.Jobs.Select(j => j.Key));
    }
}
