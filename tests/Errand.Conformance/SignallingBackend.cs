using Errand.Backends;

namespace Errand.Conformance;

/// <summary>
/// Forwards to a backend and signals when a caller first reads jobs, so that a test knows a waiter is in place; can hold
/// enqueues until several have come.
/// </summary>
/// <remarks>Disposing it does not dispose the inner backend: the test owns that.</remarks>
public sealed class SignallingBackend(IQueueBackend inner) : IQueueBackend
{
    private readonly TaskCompletionSource _jobsRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _enqueuesArrived;
    private int _enqueuesHeld;
    private int _enqueuesToHold;
    private readonly List<(int Count, TaskCompletionSource Signal)> _pausedReadWaiters = [];
    private int _pausedReads;
    private readonly Lock _dequeueGate = new();
    private int _dequeuesInFlight;
    private TaskCompletionSource? _dequeuesIdle;

    /// <summary>Gets or sets whether subscriptions hear nothing, as if every notification were lost on the way.</summary>
    public bool MuteNotifications { get; set; }

    /// <summary>Gets a task that completes once <see cref="GetJobsAsync"/> has been called.</summary>
    public Task JobsRead => _jobsRead.Task;

    public string QueueName => inner.QueueName;

    public BackendCapabilities Capabilities => inner.Capabilities;

    public async Task<IReadOnlyList<Job?>> GetJobsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var jobs = await inner.GetJobsAsync(keys, cancellationToken);
        _jobsRead.TrySetResult();
        return jobs;
    }

    public Task<Job?> GetJobAsync(string key, CancellationToken cancellationToken) => inner.GetJobAsync(key, cancellationToken);

    public Task<IReadOnlyList<LimitState>> GetLimitStatesAsync(CancellationToken cancellationToken) => inner.GetLimitStatesAsync(cancellationToken);

    public Task SetLimitsAsync(QueueLimits limits, CancellationToken cancellationToken) => inner.SetLimitsAsync(limits, cancellationToken);

    public Task HoldAsync(LimitTarget target, TimeSpan duration, CancellationToken cancellationToken) => inner.HoldAsync(target, duration, cancellationToken);

    public Task<QueueCounts> CountAsync(CancellationToken cancellationToken) => inner.CountAsync(cancellationToken);

    public Task<IReadOnlyList<WorkerInfo>> GetWorkersAsync(CancellationToken cancellationToken) => inner.GetWorkersAsync(cancellationToken);

    public Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken) => inner.ListJobsAsync(query, cancellationToken);

    public Task<IReadOnlyList<HistoryPoint>> GetHistoryAsync(int minutes, CancellationToken cancellationToken) => inner.GetHistoryAsync(minutes, cancellationToken);

    public Task<IReadOnlyList<HistoryPoint>> GetHourlyHistoryAsync(int hours, CancellationToken cancellationToken) => inner.GetHourlyHistoryAsync(hours, cancellationToken);

    public Task<IReadOnlyList<JobAttempt>> GetAttemptsAsync(string key, CancellationToken cancellationToken) => inner.GetAttemptsAsync(key, cancellationToken);

    /// <summary>
    /// Makes the next <paramref name="count"/> enqueues wait until all of them have been called: a caller that awaits
    /// each enqueue before it starts the next never gets past the first.
    /// </summary>
    public void HoldEnqueuesTogether(int count)
    {
        _enqueuesToHold = count;
        _enqueuesArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task<EnqueueResult> EnqueueAsync(Job job, CancellationToken cancellationToken)
    {
        if (_enqueuesArrived is { } arrived)
        {
            if (Interlocked.Increment(ref _enqueuesHeld) >= _enqueuesToHold)
            {
                arrived.TrySetResult();
            }

            await arrived.Task.WaitAsync(cancellationToken);
        }

        return await inner.EnqueueAsync(job, cancellationToken);
    }

    public async Task<IReadOnlyList<Job>> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        lock (_dequeueGate)
        {
            _dequeuesInFlight++;
        }

        try
        {
            return await inner.DequeueAsync(request, cancellationToken);
        }
        finally
        {
            lock (_dequeueGate)
            {
                if (--_dequeuesInFlight == 0)
                {
                    _dequeuesIdle?.TrySetResult();
                    _dequeuesIdle = null;
                }
            }
        }
    }

    /// <summary>Returns a task that completes when no dequeue is in progress (at once when none is).</summary>
    public Task DequeuesIdleAsync()
    {
        lock (_dequeueGate)
        {
            if (_dequeuesInFlight == 0)
            {
                return Task.CompletedTask;
            }

            _dequeuesIdle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _dequeuesIdle.Task;
        }
    }

    public Task UpdateAsync(Job job, CancellationToken cancellationToken) => inner.UpdateAsync(job, cancellationToken);

    public Task FinishAsync(Job job, JobStatus status, CancellationToken cancellationToken) => inner.FinishAsync(job, status, cancellationToken);

    public Task RetryAsync(Job job, TimeSpan delay, CancellationToken cancellationToken) => inner.RetryAsync(job, delay, cancellationToken);

    public Task<AbortResult> AbortAsync(Job job, string reason, CancellationToken cancellationToken) => inner.AbortAsync(job, reason, cancellationToken);

    public Task<Job?> RequeueAsync(string key, bool force, CancellationToken cancellationToken) => inner.RequeueAsync(key, force, cancellationToken);

    public Task<IReadOnlyList<string>> DeleteFinishedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) => inner.DeleteFinishedAsync(keys, cancellationToken);

    public Task ClearAbortAsync(string key, CancellationToken cancellationToken) => inner.ClearAbortAsync(key, cancellationToken);

    public Task<IReadOnlyList<string>> ScheduleAsync(TimeSpan lockFor, CancellationToken cancellationToken) => inner.ScheduleAsync(lockFor, cancellationToken);

    public Task<SweepResult> SweepAsync(SweepRequest request, CancellationToken cancellationToken) => inner.SweepAsync(request, cancellationToken);

    public Task WriteWorkerInfoAsync(WorkerInfo info, TimeSpan ttl, CancellationToken cancellationToken) => inner.WriteWorkerInfoAsync(info, ttl, cancellationToken);

    public Task RemoveWorkerInfoAsync(string workerId, CancellationToken cancellationToken) => inner.RemoveWorkerInfoAsync(workerId, cancellationToken);

    public Task SetPausedAsync(bool paused, CancellationToken cancellationToken) => inner.SetPausedAsync(paused, cancellationToken);

    /// <summary>Gets how many times the paused flag was read.</summary>
    public int PausedReads => Volatile.Read(ref _pausedReads);

    public async Task<bool> IsPausedAsync(CancellationToken cancellationToken)
    {
        var paused = await inner.IsPausedAsync(cancellationToken);
        Interlocked.Increment(ref _pausedReads);
        lock (_pausedReadWaiters)
        {
            _pausedReadWaiters.RemoveAll(waiter => waiter.Count <= _pausedReads && waiter.Signal.TrySetResult());
        }

        return paused;
    }

    /// <summary>Returns a task that completes once the paused flag has been read <paramref name="count"/> times in all (a worker reads it at its start and once per check interval).</summary>
    public Task PausedReadAsync(int count)
    {
        lock (_pausedReadWaiters)
        {
            if (_pausedReads >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pausedReadWaiters.Add((count, signal));
            return signal.Task;
        }
    }

    /// <remarks>Muted as subscriptions are: with <see cref="MuteNotifications"/> set, the watch hears nothing.</remarks>
    public Task<IAsyncDisposable> WatchPausedAsync(Action<bool> changed, CancellationToken cancellationToken) =>
        MuteNotifications ? Task.FromResult<IAsyncDisposable>(new PauseWatchers().Add(changed)) : inner.WatchPausedAsync(changed, cancellationToken);

    public Task<IJobSubscription> SubscribeAsync(IReadOnlyCollection<string>? keys, CancellationToken cancellationToken) =>
        MuteNotifications ? Task.FromResult<IJobSubscription>(new JobSubscription(keys, _ => { })) : inner.SubscribeAsync(keys, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
