using System.Globalization;
using System.Text.RegularExpressions;
using Errand.Backends;
using Errand.Conformance;
using Errand.Postgres.Tests;
using Errand.Redis.Tests;

namespace Errand.Cli.Tests;

/// <summary>The test worker program, built with ErrandWorkerHost, run as real processes on Redis and PostgreSQL: --check, and groups started with --workers.</summary>
public sealed partial class ErrandWorkerHostTests(RedisServerFixture redis, PostgresServerFixture postgres)
{
    private const string Program = "Errand.Cli.Tests.Worker";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TestServers _servers = new(redis, postgres);

    // Fast timers from environment variables, as any .NET host reads them: a dead worker is noticed within seconds.
    private static readonly Dictionary<string, string> FastTimers = new(StringComparer.Ordinal)
    {
        ["Errand__Worker__SweepInterval"] = "00:00:01",
        ["Errand__Worker__WorkerInfoInterval"] = "00:00:01",
        ["Errand__Worker__ShutdownGracePeriod"] = "00:00:01",
    };

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Check_WithAndWithoutALiveWorker_ExitsZeroThenOne(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        string[] check = ["--url", queue.Url, "--queue", queue.Name, "--check"];
        using (var none = ProgramProcess.Start(Program, check))
        {
            Assert.True(await none.WaitForExitAsync(Patience) == 1, none.Output);
            Assert.Contains($"Queue {queue.Name} has no live worker", none.Stdout, StringComparison.Ordinal);
        }

        queue.StartWorker();
        await queue.RunAsync("add", new { a = 1, b = 1 });
        using var one = ProgramProcess.Start(Program, check);
        Assert.True(await one.WaitForExitAsync(Patience) == 0, one.Output);
        Assert.Contains($"Queue {queue.Name} has 1 live workers", one.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task Check_UrlAndQueueFromAppsettingsJson_ChecksThatQueue(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        queue.StartWorker();
        await queue.RunAsync("add", new { a = 1, b = 1 });
        var directory = Directory.CreateTempSubdirectory("errand-host-").FullName;
        try
        {
            await File.WriteAllTextAsync(
                Path.Combine(directory, "appsettings.json"),
                $$"""{ "Errand": { "Url": "{{queue.Url}}", "Queue": "{{queue.Name}}" } }""",
                TestContext.Current.CancellationToken);
            using var check = ProgramProcess.Start(Program, ["--check"], workingDirectory: directory);

            Assert.True(await check.WaitForExitAsync(Patience) == 0, check.Output);
            Assert.Contains($"Queue {queue.Name} has 1 live workers", check.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task WorkerProcessDiesInsideAJob_JobEndsFailedAfterItsRetriesInsteadOfKillingWorkersForEver(Engine engine)
    {
        await using var queue = await _servers.QueueAsync(engine);
        var ct = TestContext.Current.CancellationToken;
        var job = await queue.Queue.EnqueueAsync("crash", null, new JobOptions { Retries = 2, Timeout = TimeSpan.Zero }, ct);

        // One worker after another, as a supervisor restarts them: each that takes the job dies in it.
        var deaths = 0;
        for (var i = 0; i < 5; i++)
        {
            using var worker = ProgramProcess.Start(Program, ["--url", queue.Url, "--queue", queue.Name], FastTimers);
            var finished = queue.Queue.WaitAsync(job.Key, Patience, ct);
            if (await Task.WhenAny(finished, worker.WaitForExitAsync(Patience)) == finished)
            {
                break;
            }

            deaths++;
        }

        var done = await queue.Queue.GetJobAsync(job.Key, ct);
        Assert.NotNull(done);
        Assert.True(done.Status == JobStatus.Failed, $"{done.Status}: {done.Error}");
        Assert.Contains("died while running it", done.Error, StringComparison.Ordinal);
        Assert.Equal(2, done.Attempts);
        Assert.Equal(2, deaths);
    }

    [Fact]
    public async Task Run_UnknownOption_ExitsTwo()
    {
        using var process = ProgramProcess.Start(Program, ["--url", "redis://127.0.0.1:1", "--frobnicate"]);

        Assert.True(await process.WaitForExitAsync(Patience) == 2, process.Output);
        Assert.Contains("--frobnicate", process.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task WorkerGroup_SigtermUnderLoad_NoJobLostNoneFailedAndParentExitsZero(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(engine);
        using var group = ProgramProcess.Start(Program, ["--url", queue.Url, "--queue", queue.Name, "--workers", "3", "--concurrency", "4"], FastTimers);
        await WaitForWorkersAsync(group, 3);

        // Short jobs keep every slot busy; long ones are still running at SIGTERM and are handed back as "cancelled".
        await using var changes = await queue.Queue.Backend.SubscribeAsync(null, ct);
        var keys = new List<string>();
        for (var i = 0; i < 150; i++)
        {
            var seconds = i % 25 == 0 ? 5 : 0.02 * (i % 5);
            keys.Add((await queue.Queue.EnqueueAsync("sleep", new { seconds }, new JobOptions { Retries = 1 }, ct)).Key);
        }

        await WaitForCompletionsAsync(changes, 40, ct);
        await ProgramProcess.SignalAsync(group.Id, "TERM");

        Assert.True(await group.WaitForExitAsync(Patience) == 0, group.Output);
        Assert.Equal(3, Regex.Count(group.Stdout, @"Worker process \d \(pid \d+\) exited with code 0"));
        var afterStop = await queue.Queue.GetJobsAsync(keys, ct);
        Assert.All(afterStop, job => Assert.True(job is { Status: JobStatus.Complete or JobStatus.Queued }, $"{job?.Key}: {job?.Status} {job?.Error}"));
        Assert.Equal(0, (await queue.Queue.CountAsync(ct)).Active);
        Assert.Empty(await queue.Queue.Backend.GetWorkersAsync(ct));

        // A new worker finishes what the group handed back: every job completes, none failed.
        queue.StartWorker();
        foreach (var key in keys)
        {
            var done = await queue.Queue.WaitAsync(key, Patience, ct);
            Assert.True(done.Status == JobStatus.Complete, $"{done.Key}: {done.Status} {done.Error}");
        }
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task WorkerGroup_TwoWorkers_JobsRunInBothProcessesAndSigtermStopsThem(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(engine);
        using var group = ProgramProcess.Start(Program, ["--url", queue.Url, "--queue", queue.Name, "--workers", "2", "--concurrency", "1"], FastTimers);
        await WaitForWorkersAsync(group, 2);

        // One job at a time per process, each long enough that the other process takes the next one.
        var keys = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            keys.Add((await queue.Queue.EnqueueAsync("sleep", new { seconds = 0.3 }, cancellationToken: ct)).Key);
        }

        var ranOn = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var done = await queue.Queue.WaitAsync(key, Patience, ct);
            Assert.True(done.Status == JobStatus.Complete, $"{done.Key}: {done.Status} {done.Error}");
            ranOn.Add(done.WorkerId!);
        }

        var info = await ErrandCli.RunAsync("info", queue.Url, "--queue", queue.Name, "--json");
        Assert.True(info.ExitCode == 0, info.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(info.Stdout);
        var listed = Assert.Single(json.RootElement.GetProperty("queues").EnumerateArray()).GetProperty("workers").EnumerateArray()
            .Select(w => w.GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(2, ranOn.Count);
        Assert.Equal(ranOn, listed);
        if (engine == Engine.Postgres)
        {
            var rows = await postgres.SqlAsync("SELECT worker_id FROM saq_stats WHERE queue_key = $1", queue.Url, queue.Name);
            Assert.Equal(ranOn, rows.Select(r => (string)r[0]!).ToHashSet(StringComparer.Ordinal));
        }

        await ProgramProcess.SignalAsync(group.Id, "TERM");
        Assert.True(await group.WaitForExitAsync(Patience) == 0, group.Output);
        Assert.Equal(2, Regex.Count(group.Stdout, @"Worker process \d \(pid \d+\) exited with code 0"));
        Assert.Empty(await queue.Queue.Backend.GetWorkersAsync(ct));

        // At the default level the log has the workers' lines, not every SQL command Npgsql ran for them.
        Assert.Contains("Errand.Worker[1010]", group.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql.Command", group.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task WorkerWithWeb_OneProcess_ServesTheDashboardOfItsQueue(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(engine);
        using var worker = ProgramProcess.Start(Program, ["--url", queue.Url, "--queue", queue.Name, "--web", "--port", "0"], FastTimers);
        var url = await DashboardCommandTests.UrlAsync(worker);
        await WaitForWorkersAsync(worker, 1);
        var job = await queue.RunAsync("add", new { a = 1, b = 2 });
        using var http = new HttpClient { BaseAddress = url };

        using var queues = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri("api/queues", UriKind.Relative), ct));
        using var stored = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri($"api/queues/{queue.Name}/jobs/{job.Key}", UriKind.Relative), ct));
        await ProgramProcess.SignalAsync(worker.Id, "TERM");

        var only = Assert.Single(queues.RootElement.EnumerateArray());
        Assert.Equal(queue.Name, only.GetProperty("name").GetString());
        Assert.Equal(1, only.GetProperty("complete").GetInt64());
        Assert.Equal("complete", stored.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, stored.RootElement.GetProperty("result").GetDouble());
        Assert.True(await worker.WaitForExitAsync(Patience) == 0, worker.Output);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task WorkerGroupWithWeb_ParentServesTheDashboardOfTheGroup(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(engine);
        using var group = ProgramProcess.Start(Program, ["--url", queue.Url, "--queue", queue.Name, "--workers", "2", "--web", "--port", "0"], FastTimers);
        var url = await DashboardCommandTests.UrlAsync(group);
        await WaitForWorkersAsync(group, 2);
        await queue.RunAsync("add", new { a = 1, b = 2 });
        using var http = new HttpClient { BaseAddress = url };

        using var workers = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri("api/workers", UriKind.Relative), ct));
        using var queues = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri("api/queues", UriKind.Relative), ct));
        await ProgramProcess.SignalAsync(group.Id, "TERM");

        Assert.Equal(queue.Name, Assert.Single(queues.RootElement.EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(2, workers.RootElement.GetArrayLength());
        Assert.All(workers.RootElement.EnumerateArray(), w => Assert.Equal(queue.Name, w.GetProperty("queue").GetString()));
        Assert.True(await group.WaitForExitAsync(Patience) == 0, group.Output);
        Assert.Single(Regex.Matches(group.Stdout, "Dashboard of queue"));
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task WorkerGroup_ChildKilled_IsRestartedAndItsJobRecovered(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(engine);
        using var group = ProgramProcess.Start(Program, ["--url", queue.Url, "--queue", queue.Name, "--workers", "3"], FastTimers);
        await WaitForWorkersAsync(group, 3);

        // No timeout and no heartbeat: only the dead worker's expired info lets the sweeper take the job back.
        var job = await queue.Queue.EnqueueAsync("sleep", new { seconds = 2 }, new JobOptions { Timeout = TimeSpan.Zero, Retries = 2 }, ct);
        var active = await JobSignals.WaitForStatusAsync(queue.Queue, queue.Queue.Backend, job.Key, JobStatus.Active, Patience, ct);
        var pid = await PidOfAsync(queue, active.WorkerId!, ct);
        await ProgramProcess.SignalAsync(pid, "KILL");

        var crashed = await group.WaitForLineAsync(l => l.Contains($"(pid {pid}) exited with code 137; restarting it", StringComparison.Ordinal), Patience);
        var index = Regex.Match(crashed, @"Worker process (\d)").Groups[1].Value;
        await group.WaitForLineAsync(l => l.Contains($"Worker process {index} started", StringComparison.Ordinal) && !l.Contains($"pid {pid})", StringComparison.Ordinal), Patience);
        var done = await queue.Queue.WaitAsync(job.Key, Patience, ct);

        Assert.True(done.Status == JobStatus.Complete, $"{done.Status}: {done.Error}\n{group.Output}");
        Assert.Equal(2, done.Attempts);
        Assert.NotEqual(active.WorkerId, done.WorkerId);
        await ProgramProcess.SignalAsync(group.Id, "TERM");
        Assert.True(await group.WaitForExitAsync(Patience) == 0, group.Output);
    }

    [Theory]
    [InlineData(Engine.Redis)]
    [InlineData(Engine.Postgres)]
    public async Task WorkerGroup_SupervisorKilled_ChildrenStopAndHandBackTheirJobs(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var queue = await _servers.QueueAsync(engine);
        using var group = ProgramProcess.Start(Program, ["--url", queue.Url, "--queue", queue.Name, "--workers", "2"], FastTimers);
        await WaitForWorkersAsync(group, 2);
        var job = await queue.Queue.EnqueueAsync("sleep", new { seconds = 30 }, new JobOptions { Timeout = TimeSpan.Zero }, ct);
        await JobSignals.WaitForStatusAsync(queue.Queue, queue.Queue.Backend, job.Key, JobStatus.Active, Patience, ct);

        await ProgramProcess.SignalAsync(group.Id, "KILL");

        // The children write to the pipe they inherited from the killed parent: their last lines still arrive.
        await group.WaitForLinesAsync(l => l.Contains("Errand.Worker[1012]", StringComparison.Ordinal), 2, Patience);
        Assert.Equal(2, Regex.Count(group.Stdout, "SupervisorGone|The supervising process"));
        var stored = await queue.Queue.GetJobAsync(job.Key, ct);
        Assert.True(stored is { Status: JobStatus.Queued, Error: "cancelled" }, $"{stored?.Status} {stored?.Error}\n{group.Output}");
        Assert.Empty(await queue.Queue.Backend.GetWorkersAsync(ct));
    }

    private static Task<string> WaitForWorkersAsync(ProgramProcess group, int count) =>
        group.WaitForLinesAsync(l => l.Contains("Errand.Worker[1010]", StringComparison.Ordinal), count, Patience);

    private static async Task WaitForCompletionsAsync(IJobSubscription changes, int count, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Patience);
        var complete = 0;
        while (complete < count)
        {
            var change = await changes.Changes.ReadAsync(deadline.Token);
            if (change.Status == JobStatus.Complete)
            {
                complete++;
            }
        }
    }

    private static async Task<int> PidOfAsync(TestQueue queue, string workerId, CancellationToken ct)
    {
        var worker = (await queue.Queue.Backend.GetWorkersAsync(ct)).Single(w => w.WorkerId == workerId);
        return int.Parse(worker.Metadata!.Value.GetProperty("pid").GetRawText(), CultureInfo.InvariantCulture);
    }
}
