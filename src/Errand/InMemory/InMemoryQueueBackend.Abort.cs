using Errand.Backends;

namespace Errand.InMemory;

/// <content>Abort of waiting and running jobs, and the abort marker.</content>
public sealed partial class InMemoryQueueBackend
{
    /// <inheritdoc />
    /// <remarks>
    /// A job that no worker holds (queued, scheduled or waiting for a retry) ends aborted at once. A running job becomes
    /// aborting, leaves the active list, and its key stays blocked by the abort marker until <see cref="ClearAbortAsync"/>
    /// or 5 seconds. A finished job is left as it is.
    /// </remarks>
    public Task<AbortResult> AbortAsync(Job job, string reason, CancellationToken cancellationToken)
    {
        CheckQueue(job);
        ArgumentNullException.ThrowIfNull(reason);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            var key = job.Key;
            if (TryReadJob(key, nowMs) is not { } current)
            {
                return Task.FromResult(AbortResult.NotFound);
            }

            if (current.Status.IsFinished())
            {
                CopyOutcome(current, job);
                return Task.FromResult(AbortResult.AlreadyFinished);
            }

            var running = _active.Contains(key);
            _incomplete.Remove(key);
            _retrying.Remove(key);
            _queued.Remove(key);
            if (!running)
            {
                ForgetLimited(key); // a held job is no longer held
            }

            current.Status = JobStatus.Aborting;
            current.Error = reason;
            Store(current);
            _abortMarkers[job.Key] = (reason, nowMs + AbortMarkerMs);
            Publish(job.Key, JobStatus.Aborting);
            if (!running)
            {
                Finish(current, JobStatus.Aborted, nowMs);
                _abortMarkers.Remove(job.Key);
            }
            else
            {
                _active.Remove(key);
                _suspects.Remove(key);
                _abortedRunning[key] = nowMs;
            }

            CopyOutcome(current, job);
            return Task.FromResult(running ? AbortResult.Aborting : AbortResult.Aborted);
        }
    }

    /// <inheritdoc />
    public Task<Job?> RequeueAsync(string key, bool force, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
                        if (TryReadJob(key, nowMs) is not { } current)
            {
                return Task.FromResult<Job?>(null);
            }

            if (!force && !current.Status.IsFinished())
            {
                throw new JobNotRetryableException(key, current.Status);
            }

            Requeue(current, TimeSpan.Zero, nowMs);
            return Task.FromResult<Job?>(current);
        }
    }

    /// <inheritdoc />
    public Task ClearAbortAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            _abortMarkers.Remove(key);
        }

        return Task.CompletedTask;
    }

    private static void CopyOutcome(Job from, Job to)
    {
        to.Status = from.Status;
        to.Error = from.Error;
        to.Completed = from.Completed;
    }

    private bool HasAbortMarker(string key, long nowMs)
    {
        if (!_abortMarkers.TryGetValue(key, out var marker))
        {
            return false;
        }

        if (marker.ExpiresAtMs > nowMs)
        {
            return true;
        }

        _abortMarkers.Remove(key);
        return false;
    }
}
