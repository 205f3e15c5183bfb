using System.Text.Json;
using Errand.Backends;
using Microsoft.Extensions.Time.Testing;

namespace Errand.Conformance;

/// <summary>
/// The backend contract, as tests: every backend's test project inherits this class and passes it against a real engine.
/// </summary>
/// <remarks>
/// Time: the fake clock starts at the real current time, because an engine such as Redis takes "now" from the
/// <see cref="TimeProvider"/> for the fields it writes but expires keys (finished jobs, worker infos, locks) on its own
/// real clock. So no test here advances the fake clock past an engine-side expiry and expects it to have happened;
/// tests that need a second round under a lock use <see cref="ShortLock"/> and <see cref="LetShortLocksExpireAsync"/>.
/// Blocking dequeue may wait on real time; such tests use long waits and generous signal timeouts, never sleeps.
/// </remarks>
public abstract partial class QueueBackendConformanceTests : IAsyncLifetime
{
    /// <summary>The longest a test waits for something that should happen at once.</summary>
    protected static readonly TimeSpan SignalTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A lock duration short enough to expire between two rounds of one test on any clock.</summary>
    protected static readonly TimeSpan ShortLock = TimeSpan.FromMilliseconds(5);

    /// <summary>A lock duration no test outlives.</summary>
    protected static readonly TimeSpan LongLock = TimeSpan.FromSeconds(60);

    /// <summary>The fake clock given to the backend; starts at the real current time.</summary>
    protected FakeTimeProvider Clock { get; } = new(TimeProvider.System.GetUtcNow());

    /// <summary>The backend under test, empty at the start of each test.</summary>
    protected IQueueBackend Backend { get; private set; } = null!;

    private string? _queueName;

    /// <summary>The name of this test's queue, unique per test (see <see cref="NewQueueName"/>).</summary>
    protected string QueueName => _queueName ??= NewQueueName();

    /// <summary>The test's cancellation token.</summary>
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Now on the fake clock, in epoch milliseconds.</summary>
    protected long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public virtual async ValueTask InitializeAsync() => Backend = await CreateBackendAsync(QueueName, Clock);

    public virtual async ValueTask DisposeAsync()
    {
        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Returns a queue name no other test uses; a backend whose names follow a rule (a hash tag on a Redis Cluster) overrides it.</summary>
    protected virtual string NewQueueName() => $"t{Guid.NewGuid():N}";

    /// <summary>Returns an empty backend for <paramref name="queueName"/>, isolated from every other test, reading now from <paramref name="clock"/>.</summary>
    protected abstract Task<IQueueBackend> CreateBackendAsync(string queueName, TimeProvider clock);

    /// <summary>
    /// Gets whether the engine may deliver a notification twice (seen once on a Redis Cluster under load, every message
    /// of a subscription twice; the cause is not found); the order of first deliveries must still hold, and waiters
    /// re-read the stored job, so a repeat changes nothing they return.
    /// </summary>
    protected virtual bool NotificationsMayRepeat => false;

    /// <summary>Deletes a job's stored document behind the backend's back; returns <see langword="false"/> when the backend cannot.</summary>
    protected virtual Task<bool> DeleteJobDocumentAsync(string key) => Task.FromResult(false);

    /// <summary>Overwrites a job's stored document with bytes that are not JSON; returns <see langword="false"/> when the backend cannot.</summary>
    protected virtual Task<bool> CorruptJobDocumentAsync(string key) => Task.FromResult(false);

    /// <summary>Lets locks taken for <see cref="ShortLock"/> expire, on the fake clock and on the engine's real clock.</summary>
    protected virtual async Task LetShortLocksExpireAsync()
    {
        Clock.Advance(ShortLock);

        // Redis expires a lock (SET PX) on its own clock: wait that out for real. It is a few milliseconds.
        await Task.Delay(ShortLock * 4, TimeProvider.System, Ct);
    }

    /// <summary>Returns a new job of this test's queue with SAQ's default options.</summary>
    protected Job NewJob(string? key = null, string function = "work") =>
        new(function, QueueName, key ?? $"k{Guid.NewGuid():N}");

    /// <summary>Returns a key no other test uses: SAQ's abort marker (<c>saq:abort:KEY</c>) does not name the queue.</summary>
    protected static string UniqueKey(string name) => $"{name}-{Guid.NewGuid():N}";

    /// <summary>Enqueues a new job and checks it was written.</summary>
    protected async Task<Job> EnqueueNewAsync(string? key = null, Action<Job>? configure = null)
    {
        var job = NewJob(key);
        configure?.Invoke(job);
        var result = await Backend.EnqueueAsync(job, Ct);
        Assert.True(result.Enqueued, $"job {job.Key} was not enqueued");
        return result.Job;
    }

    /// <summary>Takes ready jobs without waiting.</summary>
    protected Task<IReadOnlyList<Job>> DequeueNowAsync(int maxJobs = 1, string workerId = "w1") =>
        Backend.DequeueAsync(new DequeueRequest(workerId, maxJobs, TimeSpan.Zero), Ct);

    /// <summary>Takes exactly one ready job without waiting, and checks that it is the expected one.</summary>
    protected async Task<Job> DequeueOneAsync(string expectedKey, string workerId = "w1")
    {
        var jobs = await DequeueNowAsync(1, workerId);
        var job = Assert.Single(jobs);
        Assert.Equal(expectedKey, job.Key);
        return job;
    }

    /// <summary>Gets a stored job, which must exist.</summary>
    protected async Task<Job> StoredAsync(string key)
    {
        var job = await Backend.GetJobAsync(key, Ct);
        Assert.NotNull(job);
        return job;
    }

    /// <summary>Awaits <paramref name="task"/>, failing the test if it does not finish within <see cref="SignalTimeout"/> of real time.</summary>
    protected static Task<T> Within<T>(Task<T> task) => task.WaitAsync(SignalTimeout, TimeProvider.System, Ct);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it does not finish within <see cref="SignalTimeout"/> of real time.</summary>
    protected static Task Within(Task task) => task.WaitAsync(SignalTimeout, TimeProvider.System, Ct);

    /// <summary>Returns a JSON value.</summary>
    protected static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
