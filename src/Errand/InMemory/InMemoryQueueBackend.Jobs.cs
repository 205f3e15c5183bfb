using Errand.Backends;

namespace Errand.InMemory;

/// <content>The job lifecycle: enqueue, dequeue, update, finish and retry.</content>
public sealed partial class InMemoryQueueBackend
{
    /// <inheritdoc />
    public Task<EnqueueResult> EnqueueAsync(Job job, CancellationToken cancellationToken)
    {
        CheckQueue(job);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            PurgeExpired(nowMs);
            var key = job.Key;
            if (_incomplete.ContainsKey(key) || HasAbortMarker(job.Key, nowMs))
            {
                return Task.FromResult(new EnqueueResult(ReadJob(key, nowMs) ?? job, Enqueued: false));
            }

            job.Status = JobStatus.Queued;
            job.Queued = nowMs;
            _attempts.Remove(key);
            _retrying.Remove(key);
            Store(job);
            _incomplete[key] = job.Scheduled;
            if (job.Scheduled == 0)
            {
                _queued.AddLast(key);
                SignalReady();
            }

            Publish(job.Key, JobStatus.Queued);
            return Task.FromResult(new EnqueueResult(job, Enqueued: true));
        }
    }

    /// <inheritdoc />
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting and no job had been taken.</exception>
    public async Task<IReadOnlyList<Job>> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.WorkerId);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxJobs, 1);
        var start = _time.GetUtcNow();
        var infinite = request.Wait == Timeout.InfiniteTimeSpan || request.Wait >= DateTimeOffset.MaxValue - start;
        var deadline = infinite ? DateTimeOffset.MaxValue : start + request.Wait;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task signal;
            long nextDueMs;
            lock (_gate)
            {
                if (_disposed)
                {
                    return [];
                }

                var taken = TakeReady(request);
                if (taken.Count > 0 || (!infinite && request.Wait <= TimeSpan.Zero))
                {
                    return taken;
                }

                signal = _ready.Task;
                nextDueMs = HasLimits ? ReleaseDue(NowMs()) : long.MaxValue;
            }

            // A job held for a rate or a hold wakes the wait when its time comes.
            var now = _time.GetUtcNow();
            var dueIn = nextDueMs == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(1, nextDueMs - now.ToUnixTimeMilliseconds()));
            if (infinite && dueIn == Timeout.InfiniteTimeSpan)
            {
                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var remaining = infinite ? dueIn : deadline - now;
            if (remaining <= TimeSpan.Zero)
            {
                return [];
            }

            var wakeForDue = dueIn != Timeout.InfiniteTimeSpan && dueIn < remaining;
            try
            {
                await signal.WaitAsync(wakeForDue ? dueIn : remaining, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (wakeForDue)
            {
            }
            catch (TimeoutException)
            {
                return [];
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>A stored <see cref="JobStatus.Aborting"/> is kept when <paramref name="job"/> says <see cref="JobStatus.Active"/>, and copied to it, so that a heartbeat never erases an abort request.</remarks>
    public Task UpdateAsync(Job job, CancellationToken cancellationToken)
    {
        CheckQueue(job);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            job.Touched = nowMs;
            var stored = ReadJob(job.Key, nowMs);
            if (job.Status is JobStatus.Active or JobStatus.Aborting
                && (stored is null || !AttemptRules.IsCurrent(stored.Status, stored.Attempts, job.Attempts)))
            {
                // A stale attempt's heartbeat: the job is another attempt's now, or gone.
                return Task.CompletedTask;
            }

            if (job.Status == JobStatus.Active && stored is { Status: JobStatus.Aborting })
            {
                job.Status = JobStatus.Aborting;
            }

            Store(job);
            Publish(job.Key, job.Status);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not complete, failed or aborted.</exception>
    public Task FinishAsync(Job job, JobStatus status, CancellationToken cancellationToken)
    {
        CheckQueue(job);
        if (!status.IsFinished())
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A job finishes as complete, failed or aborted.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            if (IsCurrentAttempt(job, nowMs))
            {
                RecordAttempt(job, status, nowMs);
                Finish(job, status, nowMs);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    public Task RetryAsync(Job job, TimeSpan delay, CancellationToken cancellationToken)
    {
        CheckQueue(job);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            if (IsCurrentAttempt(job, nowMs))
            {
                RecordAttempt(job, JobStatus.Queued, nowMs);
                Requeue(job, delay, nowMs);
            }
        }

        return Task.CompletedTask;
    }

    private bool IsCurrentAttempt(Job job, long nowMs) =>
        ReadJob(job.Key, nowMs) is { } stored && AttemptRules.IsCurrent(stored.Status, stored.Attempts, job.Attempts);

    private void Requeue(Job job, TimeSpan delay, long nowMs)
    {
        var key = job.Key;
        job.Status = JobStatus.Queued;
        job.Completed = 0;
        job.Started = 0;
        job.Progress = 0;
        job.Touched = nowMs;
        _active.Remove(key);
        _queued.Remove(key);
        _suspects.Remove(key);
        ForgetLimited(key);
        if (delay > TimeSpan.Zero)
        {
            _incomplete[key] = (nowMs / 1000.0) + delay.TotalSeconds;
        }
        else
        {
            // Score 0, not the job's old schedule: a pushed key must not be pushed again by the schedule tick.
            _incomplete[key] = 0;
            _queued.AddLast(key);
            SignalReady();
        }

        Store(job);
        Record(JobStatus.Queued, nowMs);
        Publish(job.Key, JobStatus.Queued);
    }

    private List<Job> TakeReady(DequeueRequest request)
    {
        var nowMs = NowMs();
        var limited = HasLimits;
        if (limited)
        {
            ReleaseDue(nowMs);
        }

        var jobs = new List<Job>();
        while (jobs.Count < request.MaxJobs && _queued.First is { } first)
        {
            var key = first.Value;
            _queued.RemoveFirst();

            // A job over a limit is held out of the ready list, and the walk goes on past it.
            var job = TryReadJob(key, nowMs);
            if (limited && job is not null && !TryStartLimited(job, nowMs))
            {
                continue;
            }

            _active.AddLast(key);

            // A missing or corrupt document stays in the active list for the sweeper, as with SAQ's BLMOVE then GET.
            if (job is null)
            {
                continue;
            }

            job.Attempts++;
            job.Started = nowMs;
            job.Touched = nowMs;
            job.WorkerId = request.WorkerId;
            job.Status = JobStatus.Active;
            Store(job);
            Publish(job.Key, JobStatus.Active);
            jobs.Add(job);
        }

        return jobs;
    }

    private void Finish(Job job, JobStatus status, long nowMs)
    {
        var key = job.Key;
        job.Status = status;
        job.Completed = nowMs;
        if (status == JobStatus.Complete)
        {
            job.Progress = 1.0;
        }

        _active.Remove(key);
        _incomplete.Remove(key);
        _retrying.Remove(key);

        // SAQ leaves the queued list alone here; a finished key must never be handed out, so take it out too.
        _queued.Remove(key);
        _suspects.Remove(key);
        ForgetLimited(key);
        if (job.Ttl < 0)
        {
            _documents.Remove(key);
            _attempts.Remove(key);
        }
        else
        {
            Store(job, job.Ttl > 0 ? nowMs + (job.Ttl * 1000L) : 0);
        }

        Record(status, nowMs);
        Publish(job.Key, status);
    }
}
