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

    public Task<IReadOnlyList<Job>> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken) => inner.DequeueAsync(request, cancellationToken);

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

    public Task<IJobSubscription> SubscribeAsync(IReadOnlyCollection<string>? keys, CancellationToken cancellationToken) =>
        MuteNotifications ? Task.FromResult<IJobSubscription>(new JobSubscription(keys, _ => { })) : inner.SubscribeAsync(keys, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
