using Errand.Backends;

namespace Errand;

/// <summary>What a job function gets besides its arguments: the job, its cancellation token and a way to report progress.</summary>
public sealed class JobContext
{
    private readonly IQueue _queue;
    private readonly IQueueBackend _backend;

    internal JobContext(Job job, IQueue queue, IQueueBackend backend, string workerId, IServiceProvider? services, CancellationToken cancellationToken)
    {
        Job = job;
        _queue = queue;
        _backend = backend;
        WorkerId = workerId;
        Services = services;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the running job.</summary>
    public Job Job { get; }

    /// <summary>Gets the id of the worker running the job.</summary>
    public string WorkerId { get; }

    /// <summary>Gets the services given to the worker, if any.</summary>
    public IServiceProvider? Services { get; }

    /// <summary>Gets the token that fires when the job times out, is aborted, or the worker shuts down.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Gets a bag for before-process hooks to pass values to the function and after-process hooks.</summary>
    public IDictionary<string, object?> Items => field ??= new Dictionary<string, object?>(StringComparer.Ordinal);

    /// <summary>Stores the job's progress and metadata; this is also its heartbeat.</summary>
    /// <param name="progress">The progress, 0..1, or <see langword="null"/> to keep it.</param>
    /// <param name="meta">Metadata entries to set, or <see langword="null"/>.</param>
    /// <returns>A task that completes when the job is stored.</returns>
    public Task UpdateAsync(double? progress = null, IReadOnlyDictionary<string, object?>? meta = null) =>
        _queue.UpdateAsync(Job, progress, meta, CancellationToken);

    /// <summary>Tells the queue the job is alive, without changing it.</summary>
    /// <returns>A task that completes when the job is stored.</returns>
    public Task HeartbeatAsync() => _queue.UpdateAsync(Job, null, null, CancellationToken);

    /// <summary>Holds the starts of every job of this job's group key for <paramref name="duration"/>, across every worker of the queue (a partner answered 429 for this customer); waiting jobs of the key are delayed, not failed.</summary>
    /// <param name="duration">How long from now.</param>
    /// <returns>A task that completes when the hold is stored.</returns>
    /// <exception cref="InvalidOperationException">The job has no group key.</exception>
    /// <exception cref="NotSupportedException">The queue's backend cannot enforce limits.</exception>
    /// <remarks>This job goes on running; to run it again after the hold, end it with a retry (throw, with retries left).</remarks>
    public Task HoldKeyAsync(TimeSpan duration) => Job.GroupKey is { } key
        ? _backend.HoldAsync(new LimitTarget(LimitScope.GroupKey, key), duration, CancellationToken)
        : throw new InvalidOperationException($"Job {Job.Key} has no group key to hold.");

    /// <summary>Holds the starts of every job of this job's function for <paramref name="duration"/>, across every worker of the queue (a partner answered 429); waiting jobs are delayed, not failed.</summary>
    /// <param name="duration">How long from now.</param>
    /// <returns>A task that completes when the hold is stored.</returns>
    /// <exception cref="NotSupportedException">The queue's backend cannot enforce limits.</exception>
    public Task HoldFunctionAsync(TimeSpan duration) =>
        _backend.HoldAsync(new LimitTarget(LimitScope.Function, Job.Function), duration, CancellationToken);
}
