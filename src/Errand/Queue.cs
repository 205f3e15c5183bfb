using System.Runtime.CompilerServices;
using System.Text.Json;
using Errand.Backends;
using Errand.InMemory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Errand;

/// <summary>Enqueues jobs on one queue, reads them, and waits for their results, over any <see cref="IQueueBackend"/>.</summary>
/// <remarks>Safe for concurrent use. Disposing the queue disposes its backend.</remarks>
public sealed partial class Queue : IQueue, IAsyncDisposable
{
    private readonly QueueOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _ownsBackend = true;

    /// <summary>Initializes a queue over <paramref name="backend"/>.</summary>
    /// <param name="backend">The storage backend; the queue owns it.</param>
    /// <param name="options">The queue options, or <see langword="null"/> for the defaults.</param>
    /// <param name="time">The clock, or <see langword="null"/> for the system clock.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    public Queue(IQueueBackend backend, QueueOptions? options = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        Backend = backend;
        _options = options ?? new QueueOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.WaitRecheckInterval, TimeSpan.Zero, nameof(options));
        _time = time ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Queue>();
    }

    // A second queue over the same backend and options, whose disposal leaves the backend open: what a container hands
    // out, so that disposing the container does not close a backend that its owner (or the application) still uses.
    private Queue(Queue owner)
    {
        Backend = owner.Backend;
        _options = owner._options;
        _time = owner._time;
        _logger = owner._logger;
        _ownsBackend = false;
    }

    /// <summary>Returns a queue kept in this process's memory: for first steps, samples and tests. Says so once in the log.</summary>
    /// <param name="name">The queue name.</param>
    /// <param name="options">The queue options, or <see langword="null"/> for the defaults.</param>
    /// <param name="time">The clock, or <see langword="null"/> for the system clock; the backend uses it too.</param>
    /// <param name="loggerFactory">The logger factory, or <see langword="null"/>.</param>
    /// <returns>A queue over a new <see cref="InMemoryQueueBackend"/>; its jobs are lost when the process stops.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static Queue InMemory(string name = "default", QueueOptions? options = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        var queue = new Queue(new InMemoryQueueBackend(name, time), options, time, loggerFactory);
        Log.InMemoryBackend(queue._logger, name);
        return queue;
    }

    /// <inheritdoc />
    public string Name => Backend.QueueName;

    /// <summary>Gets the backend that stores this queue.</summary>
    public IQueueBackend Backend { get; }

    /// <summary>Gets the limits of the queue's options, or <see langword="null"/>.</summary>
    internal QueueLimits? Limits => _options.Limits;

    /// <summary>Gets the JSON options used for arguments, results and metadata.</summary>
    public JsonSerializerOptions JsonOptions => _options.JsonSerializerOptions;

    /// <inheritdoc />
    public Task<Job> EnqueueAsync(string function, object? kwargs = null, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        EnqueueAsync(CreateJob(function, kwargs, options), cancellationToken);

    /// <summary>Builds the job that <see cref="EnqueueAsync(string, object?, JobOptions?, CancellationToken)"/> would store, with the queue's defaults and the current trace context, without storing it.</summary>
    /// <param name="function">The function name.</param>
    /// <param name="kwargs">An object of named arguments, or <see langword="null"/>.</param>
    /// <param name="options">Options of this job, over the queue's <see cref="QueueOptions.JobDefaults"/>.</param>
    /// <returns>A new job of this queue.</returns>
    /// <exception cref="ArgumentException">The function is empty, an option is out of range, or the arguments are not a JSON object.</exception>
    /// <remarks>For enqueues that another component writes: a backend's enqueue inside the caller's transaction, an outbox.</remarks>
    public Job CreateJob(string function, object? kwargs = null, JobOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        var merged = (options ?? new JobOptions()).WithDefaults(_options.JobDefaults);
        var job = DeriveGroupKey(JobFactory.Create(Name, function, kwargs, merged, _options.JsonSerializerOptions, _time));
        ErrandDiagnostics.InjectTraceContext(job);
        return job;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Job>> EnqueueManyAsync(string function, IEnumerable<object?> kwargs, JobOptions? options = null, CancellationToken cancellationToken = default) =>
        EnqueueManyAsync(CreateJobs(function, kwargs, options), cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Job>> EnqueueManyAsync(IEnumerable<Job> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var all = jobs.ToList();
        var seen = new HashSet<Job>(ReferenceEqualityComparer.Instance);
        foreach (var job in all)
        {
            if (job is null)
            {
                throw new ArgumentException("A job to enqueue is null.", nameof(jobs));
            }

            EnsureOwnJob(job);
            if (!seen.Add(job))
            {
                throw new ArgumentException($"Job {job.Key} comes twice: give each enqueue its own Job.", nameof(jobs));
            }
        }

        // Started together, not one after the other: a backend sends the enqueues that come while one is on its way
        // together (Redis: in one script call), so many jobs cost a few round trips, not one each.
        var enqueued = new Task<Job>[all.Count];
        for (var i = 0; i < all.Count; i++)
        {
            enqueued[i] = EnqueueAsync(all[i], cancellationToken);
        }

        return await Task.WhenAll(enqueued).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Job> EnqueueAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        EnsureOwnJob(job);
        ErrandDiagnostics.InjectTraceContext(job);
        var result = await Backend.EnqueueAsync(job, cancellationToken).ConfigureAwait(false);
        if (result.Enqueued)
        {
            ErrandDiagnostics.Enqueued.Add(1, new KeyValuePair<string, object?>("queue", Name));
            Log.JobEnqueued(_logger, job.Key, job.Function, Name);
        }
        else
        {
            Log.JobDuplicate(_logger, job.Key, Name);
        }

        return result.Job;
    }

    /// <inheritdoc />
    public Task<Job?> GetJobAsync(string key, CancellationToken cancellationToken = default) => Backend.GetJobAsync(key, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Job?>> GetJobsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default) =>
        Backend.GetJobsAsync(keys, cancellationToken);

    /// <inheritdoc />
    public Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken = default) => Backend.ListJobsAsync(query, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<Job> IterateJobsAsync(JobStatus? status = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int PageSize = 100;
        for (var offset = 0; ; offset += PageSize)
        {
            var page = await Backend.ListJobsAsync(new JobQuery(status, offset, PageSize), cancellationToken).ConfigureAwait(false);
            foreach (var job in page.Jobs)
            {
                yield return job;
            }

            if (page.Jobs.Count < PageSize)
            {
                yield break;
            }
        }
    }

    /// <inheritdoc />
    public Task<QueueCounts> CountAsync(CancellationToken cancellationToken = default) => Backend.CountAsync(cancellationToken);

    /// <inheritdoc />
    public async Task<QueueInfo> InfoAsync(int jobs = 10, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(jobs);
        var counts = Backend.CountAsync(cancellationToken);
        var workers = Backend.GetWorkersAsync(cancellationToken);
        var page = jobs == 0 ? Task.FromResult(new JobPage([], 0)) : Backend.ListJobsAsync(new JobQuery(null, 0, jobs), cancellationToken);
        var paused = Backend.IsPausedAsync(cancellationToken);
        return new QueueInfo(Name, await counts.ConfigureAwait(false), await workers.ConfigureAwait(false), (await page.ConfigureAwait(false)).Jobs)
        {
            Paused = await paused.ConfigureAwait(false),
        };
    }

    /// <inheritdoc />
    public Task PauseAsync(CancellationToken cancellationToken = default) => Backend.SetPausedAsync(true, cancellationToken);

    /// <inheritdoc />
    public Task ResumeAsync(CancellationToken cancellationToken = default) => Backend.SetPausedAsync(false, cancellationToken);

    /// <inheritdoc />
    public Task<bool> IsPausedAsync(CancellationToken cancellationToken = default) => Backend.IsPausedAsync(cancellationToken);

    /// <inheritdoc />
    public Task UpdateAsync(Job job, double? progress = null, IReadOnlyDictionary<string, object?>? meta = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (progress is { } p)
        {
            job.Progress = p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(nameof(progress), p, "Progress must be between 0 and 1.");
        }

        if (meta is not null)
        {
            foreach (var (name, value) in meta)
            {
                job.Meta[name] = JsonSerializer.SerializeToElement(value, _options.JsonSerializerOptions);
            }
        }

        return Backend.UpdateAsync(job, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Job?> AbortAsync(string key, string reason = "aborted", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var job = new Job("unknown", Name, key);
        var result = await Backend.AbortAsync(job, reason, cancellationToken).ConfigureAwait(false);
        Log.JobAbortRequested(_logger, key, Name, reason);
        if (result is AbortResult.NotFound or AbortResult.AlreadyFinished)
        {
            return null;
        }

        return await Backend.GetJobAsync(key, cancellationToken).ConfigureAwait(false) ?? job;
    }

    /// <inheritdoc />
    public Task<Job?> RetryAsync(string key, CancellationToken cancellationToken = default) => RetryAsync(key, force: false, cancellationToken);

    /// <inheritdoc />
    public Task<Job?> RetryAsync(string key, bool force, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return Backend.RequeueAsync(key, force, cancellationToken);
    }

    /// <summary>Disposes the backend (a queue handed out by dependency injection leaves it to its owner).</summary>
    /// <returns>A task that completes when the backend is closed.</returns>
    public ValueTask DisposeAsync() => _ownsBackend ? Backend.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>Returns a queue over this queue's backend and options whose <see cref="DisposeAsync"/> leaves the backend open.</summary>
    internal Queue Borrow() => new(this);

    // The jobs of a map or a bulk enqueue: one per argument object, all with the same options.
    private List<Job> CreateJobs(string function, IEnumerable<object?> kwargs, JobOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentNullException.ThrowIfNull(kwargs);
        var merged = (options ?? new JobOptions()).WithDefaults(_options.JobDefaults);
        var jobs = kwargs.Select(args => DeriveGroupKey(JobFactory.Create(Name, function, args, merged, _options.JsonSerializerOptions, _time))).ToList();
        if (jobs.Count > 1 && merged.Key is not null)
        {
            throw new ArgumentException($"Several jobs cannot all have the key '{merged.Key}': leave the key unset, or enqueue them one by one.", nameof(options));
        }

        return jobs;
    }

    // A job enqueued without a group key gets the one its function's key function derives from its arguments.
    private Job DeriveGroupKey(Job job)
    {
        if (job.GroupKey is null && _options.Limits is { } limits && limits.KeyOf.TryGetValue(job.Function, out var keyOf))
        {
            job.GroupKey = keyOf(job.Kwargs);
        }

        return job;
    }

    private void EnsureOwnJob(Job job)
    {
        if (!string.Equals(job.Queue, Name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Job {job.Key} belongs to queue '{job.Queue}', not '{Name}'.", nameof(job));
        }
    }
}
