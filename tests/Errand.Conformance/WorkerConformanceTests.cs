using System.Text.Json;

namespace Errand.Conformance;

/// <summary>The worker's behaviour, run against every backend with the real clock and short timers.</summary>
/// <remarks>Tests wait on status notifications (<see cref="Queue.WaitAsync"/>, <see cref="WaitForStatusAsync"/>), never on sleeps.</remarks>
public abstract partial class WorkerConformanceTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly List<(Worker Worker, CancellationTokenSource Stop, Task Run)> _workers = [];

    protected Queue Queue { get; private set; } = null!;

    /// <summary>Returns an empty queue isolated from every other test.</summary>
    protected abstract Task<Queue> CreateQueueAsync(string queueName);

    public async ValueTask InitializeAsync() => Queue = await CreateQueueAsync($"w{Guid.NewGuid():N}");

    public async ValueTask DisposeAsync()
    {
        foreach (var (worker, stop, run) in _workers)
        {
            await stop.CancelAsync();
            try
            {
                await run.WaitAsync(Patience);
            }
            catch (Exception) when (run.IsFaulted)
            {
                // A test that expected the failure has already asserted it.
            }

            worker.Dispose();
            stop.Dispose();
        }

        await Queue.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected static WorkerOptions FastOptions(int concurrency = 4) => new()
    {
        Concurrency = concurrency,
        ScheduleInterval = TimeSpan.FromMilliseconds(100),
        AbortCheckInterval = TimeSpan.FromMilliseconds(100),
        SweepInterval = TimeSpan.FromMilliseconds(300),
        WorkerInfoInterval = TimeSpan.FromMilliseconds(300),
        DequeueWait = TimeSpan.FromMilliseconds(500),
        ShutdownGracePeriod = TimeSpan.FromSeconds(5),
    };

    protected (Worker Worker, CancellationTokenSource Stop, Task Run) StartWorker(JobFunctions functions, WorkerOptions? options = null, Action<Worker>? configure = null) =>
        StartWorker(Queue, functions, options, configure);

    protected (Worker Worker, CancellationTokenSource Stop, Task Run) StartWorker(Queue queue, JobFunctions functions, WorkerOptions? options = null, Action<Worker>? configure = null)
    {
        var worker = new Worker(queue, functions, options ?? FastOptions());
        configure?.Invoke(worker);
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => worker.RunAsync(stop.Token));
        _workers.Add((worker, stop, run));
        return (worker, stop, run);
    }

    protected Task<Job> WaitFinishedAsync(string key) => Queue.WaitAsync(key, Patience, TestContext.Current.CancellationToken);

    /// <summary>Waits until the stored job has <paramref name="status"/>, woken by the backend's notifications.</summary>
    protected Task<Job> WaitForStatusAsync(string key, JobStatus status) =>
        JobSignals.WaitForStatusAsync(Queue, Queue.Backend, key, status, Patience, TestContext.Current.CancellationToken);

    protected static JobFunctions Basic() => new JobFunctions()
        .Add<AddArgs, int>("add", (a, _) => Task.FromResult(a.A + a.B))
        .Add<JsonElement, JsonElement>("echo", (kwargs, _) => Task.FromResult(kwargs));

    protected sealed record AddArgs(int A, int B);

    protected sealed record PersonArgs(string FirstName, int YearOfBirth);

    [Fact]
    public async Task RunAsync_JobEnqueued_CompletesWithItsResult()
    {
        StartWorker(Basic());

        var job = await Queue.EnqueueAsync("add", new { a = 2, b = 40 });
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(42, done.Result!.Value.GetInt32());
        Assert.Equal(1, done.Attempts);
        Assert.Equal(1.0, done.Progress);
        Assert.True(done.Completed >= done.Started && done.Started >= done.Queued);
    }

    [Fact]
    public async Task RunAsync_SnakeCaseKwargs_BindToPascalCaseProperties()
    {
        StartWorker(new JobFunctions().Add<PersonArgs, string>("greet", (p, _) => Task.FromResult($"{p.FirstName} {p.YearOfBirth}")));
        using var kwargs = JsonDocument.Parse("""{"first_name": "Ada", "year_of_birth": 1815}""");

        var job = await Queue.EnqueueAsync("greet", kwargs.RootElement);
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal("Ada 1815", done.Result!.Value.GetString());
    }

    [Fact]
    public async Task ApplyAsync_FunctionReturns_GivesTheTypedResult()
    {
        StartWorker(Basic());

        var sum = await Queue.ApplyAsync<int>("add", new { a = 20, b = 22 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(42, sum);
    }

    [Fact]
    public async Task MapAsync_SeveralJobs_ResultsInOrderAndErrorsInPlace()
    {
        StartWorker(Basic().Add<AddArgs, int>("div", (a, _) => Task.FromResult(a.A / a.B)));

        var outcomes = await Queue.MapAsync<int>("div", [new { a = 8, b = 2 }, new { a = 1, b = 0 }, new { a = 9, b = 3 }], new MapOptions { ReturnErrors = true }, TestContext.Current.CancellationToken);

        Assert.Equal([4, 0, 3], outcomes.Select(o => o.Result));
        Assert.True(outcomes[0].Succeeded);
        Assert.False(outcomes[1].Succeeded);
        Assert.Contains("DivideByZeroException", outcomes[1].Error!.Error, StringComparison.Ordinal);
        await Assert.ThrowsAsync<JobFailedException>(() => Queue.MapAsync<int>("div", [new { a = 1, b = 0 }], cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ApplyAsync_FunctionThrows_RaisesJobFailedExceptionWithTheStoredStackTrace()
    {
        StartWorker(new JobFunctions().Add<JsonElement>("explode", (_, _) => ThrowDeep()));

        var ex = await Assert.ThrowsAsync<JobFailedException>(() => Queue.ApplyAsync<int>("explode", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(JobStatus.Failed, ex.Status);
        Assert.Contains("System.InvalidOperationException: deep failure", ex.Error, StringComparison.Ordinal);
        Assert.Contains(nameof(ThrowDeep), ex.Error, StringComparison.Ordinal);
    }

    private static Task ThrowDeep() => throw new InvalidOperationException("deep failure");

    [Fact]
    public async Task RunAsync_UnknownFunction_FailsNamingItAndTheRegisteredOnesAndGoesOn()
    {
        StartWorker(Basic());

        var unknown = await Queue.EnqueueAsync("no_such_function");
        var next = await Queue.EnqueueAsync("add", new { a = 1, b = 1 });
        var failed = await WaitFinishedAsync(unknown.Key);
        var done = await WaitFinishedAsync(next.Key);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("UnknownFunctionException", failed.Error, StringComparison.Ordinal);
        Assert.Contains("'no_such_function'", failed.Error, StringComparison.Ordinal);
        Assert.Contains("add, echo", failed.Error, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Complete, done.Status);
    }

    [Fact]
    public async Task RunAsync_ArgumentsDoNotBind_FailsWithTheJsonPath()
    {
        StartWorker(Basic());

        var job = await Queue.EnqueueAsync("add", new { a = 1, b = "two" });
        var failed = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("JobArgumentsException", failed.Error, StringComparison.Ordinal);
        Assert.Contains("$.b", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ResultCannotBeSerialized_FailsNamingItsType()
    {
        StartWorker(new JobFunctions().Add<JsonElement, Unserializable>("bad_result", (_, _) => Task.FromResult(new Unserializable())));

        var job = await Queue.EnqueueAsync("bad_result");
        var failed = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains("JobResultException", failed.Error, StringComparison.Ordinal);
        Assert.Contains(nameof(Unserializable), failed.Error, StringComparison.Ordinal);
    }

    protected sealed class Unserializable
    {
        public Unserializable Self => this;
    }

    [Fact]
    public async Task RunAsync_FailsThenSucceeds_RetriedWhileAttemptsRemain()
    {
        var calls = 0;
        StartWorker(new JobFunctions().Add<JsonElement, int>("flaky", (_, _) =>
            Interlocked.Increment(ref calls) < 3 ? throw new InvalidOperationException("not yet") : Task.FromResult(calls)));

        var job = await Queue.EnqueueAsync("flaky", options: new JobOptions { Retries = 3 });
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(3, done.Attempts);
        Assert.Equal(3, done.Result!.Value.GetInt32());
    }

    [Fact]
    public async Task RunAsync_RetryDelay_NextAttemptWaitsForIt()
    {
        var starts = new List<DateTimeOffset>();
        StartWorker(new JobFunctions().Add<JsonElement>("fail_once", (_, context) =>
        {
            lock (starts)
            {
                starts.Add(DateTimeOffset.FromUnixTimeMilliseconds(context.Job.Started));
            }

            return context.Job.Attempts == 1 ? throw new InvalidOperationException("first") : Task.CompletedTask;
        }));

        var job = await Queue.EnqueueAsync("fail_once", options: new JobOptions { Retries = 2, RetryDelay = TimeSpan.FromSeconds(1) });
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal(2, starts.Count);
        Assert.True(starts[1] - starts[0] >= TimeSpan.FromSeconds(0.9), $"second attempt began {(starts[1] - starts[0]).TotalSeconds} s after the first");
    }

    [Fact]
    public async Task RunAsync_JobOverItsTimeout_TokenFiresAndJobFailsWithATimeoutError()
    {
        var sawCancellation = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        StartWorker(new JobFunctions().Add<JsonElement>("slow", async (_, context) =>
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
            }
            finally
            {
                sawCancellation.TrySetResult(context.CancellationToken.IsCancellationRequested);
            }
        }));

        var job = await Queue.EnqueueAsync("slow", options: new JobOptions { Timeout = TimeSpan.FromSeconds(1) });
        var failed = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains(nameof(JobTimeoutException), failed.Error, StringComparison.Ordinal);
        Assert.True(await sawCancellation.Task.WaitAsync(Patience, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunAsync_FunctionIgnoresItsToken_TimeoutStillEndsTheJob()
    {
        var release = new TaskCompletionSource();
        StartWorker(new JobFunctions().Add<JsonElement>("stubborn", (_, _) => release.Task));

        var job = await Queue.EnqueueAsync("stubborn", options: new JobOptions { Timeout = TimeSpan.FromSeconds(1) });
        var failed = await WaitFinishedAsync(job.Key);
        release.SetResult();

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains(nameof(JobTimeoutException), failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbortAsync_RunningJob_TokenFiresAndJobEndsAborted()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sawCancellation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (worker, _, _) = StartWorker(new JobFunctions().Add<JsonElement>("long", async (_, context) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                sawCancellation.SetResult();
                throw;
            }
        }));

        var job = await Queue.EnqueueAsync("long", options: new JobOptions { Timeout = TimeSpan.Zero });
        await started.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        await Queue.AbortAsync(job.Key, "operator said stop", TestContext.Current.CancellationToken);
        var aborted = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Aborted, aborted.Status);
        Assert.Equal("operator said stop", aborted.Error);
        await sawCancellation.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(1, worker.Stats.Aborted);
    }

    [Fact]
    public async Task AbortAsync_QueuedJob_NeverRuns()
    {
        var job = await Queue.EnqueueAsync("add", new { a = 1, b = 2 }, new JobOptions { Delay = TimeSpan.FromSeconds(1) });
        var aborted = await Queue.AbortAsync(job.Key, "not needed", TestContext.Current.CancellationToken);
        var ran = 0;
        StartWorker(new JobFunctions().Add<AddArgs, int>("add", (a, _) => Task.FromResult(Interlocked.Increment(ref ran))));
        var probe = await Queue.EnqueueAsync("add", new { a = 0, b = 0 }, new JobOptions { Delay = TimeSpan.FromSeconds(1.5) });
        await WaitFinishedAsync(probe.Key);

        Assert.Equal(JobStatus.Aborted, aborted!.Status);
        Assert.Equal(JobStatus.Aborted, (await Queue.GetJobAsync(job.Key, TestContext.Current.CancellationToken))!.Status);
        Assert.Equal(1, ran);
    }

    [Fact]
    public async Task RetryAsync_FailedJob_RunsAgainAndCompletes()
    {
        var healthy = false;
        StartWorker(new JobFunctions().Add<JsonElement, string>("fragile", (_, _) =>
            Volatile.Read(ref healthy) ? Task.FromResult("fixed") : throw new InvalidOperationException("broken")));
        var job = await Queue.EnqueueAsync("fragile");
        var failed = await WaitFinishedAsync(job.Key);
        Volatile.Write(ref healthy, true);

        var retried = await Queue.RetryAsync(job.Key, TestContext.Current.CancellationToken);
        var done = await WaitFinishedAsync(job.Key);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.NotNull(retried);
        Assert.Equal(JobStatus.Complete, done.Status);
        Assert.Equal("fixed", done.Result!.Value.GetString());
        Assert.Equal(2, done.Attempts);
    }
}
