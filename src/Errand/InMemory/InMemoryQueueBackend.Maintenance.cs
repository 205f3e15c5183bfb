using Errand.Backends;

namespace Errand.InMemory;

/// <content>The schedule tick and the sweeper, each under its lock.</content>
public sealed partial class InMemoryQueueBackend
{
    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ScheduleAsync(TimeSpan lockFor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lockFor, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            if (_scheduleLockUntilMs > nowMs)
            {
                return Task.FromResult<IReadOnlyList<string>>([]);
            }

            _scheduleLockUntilMs = nowMs + (long)lockFor.TotalMilliseconds;
            PurgeExpired(nowMs);
            var nowSeconds = nowMs / 1000.0;
            var due = _incomplete
                .Where(entry => entry.Value >= 1 && entry.Value <= nowSeconds)
                .OrderBy(entry => entry.Value)
                .ThenBy(entry => entry.Key, StringComparer.Ordinal)
                .Select(entry => entry.Key)
                .ToList();
            foreach (var key in due)
            {
                _incomplete[key] = 0;
                _queued.AddLast(key);
            }

            if (due.Count > 0)
            {
                SignalReady();
            }

            return Task.FromResult<IReadOnlyList<string>>(due);
        }
    }

    /// <inheritdoc />
    public Task<SweepResult> SweepAsync(SweepRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(request.LockFor, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.SuspectGrace, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            if (_sweepLockUntilMs > nowMs)
            {
                return Task.FromResult(SweepResult.Empty);
            }

            _sweepLockUntilMs = nowMs + (long)request.LockFor.TotalMilliseconds;
            var graceMs = (long)request.SuspectGrace.TotalMilliseconds;
            var stuck = new List<SweptJob>();
            var removed = new List<string>();
            foreach (var key in _active.ToList())
            {
                if (TryReadJob(key, nowMs) is not { } job)
                {
                    // Missing or corrupt: out of the lists; a corrupt document stays under its key for inspection.
                    _active.Remove(key);
                    _incomplete.Remove(key);
                    _retrying.Remove(key);
                    _suspects.Remove(key);
                    ForgetLimited(key);
                    removed.Add(key);
                    continue;
                }

                if (job.Status.IsFinished())
                {
                    // A leftover entry (an key taken twice, whose current run has ended): out of the list, never run again.
                    _active.Remove(key);
                    _suspects.Remove(key);
                    removed.Add(key);
                    continue;
                }

                if (SweepRules.Judge(job, nowMs, worker => IsWorkerAlive(worker, nowMs)) is not { } reason)
                {
                    _suspects.Remove(key);
                    continue;
                }

                if (SweepRules.IsSuspicion(reason))
                {
                    if (!_suspects.TryGetValue(key, out var firstSeenMs))
                    {
                        _suspects[key] = firstSeenMs = nowMs;
                    }

                    if (nowMs - firstSeenMs < graceMs)
                    {
                        continue;
                    }
                }

                var swept = new SweptJob(job, reason);
                if (request.Decide is not { } decide)
                {
                    stuck.Add(swept);
                    continue;
                }

                // Decided and applied under the lock: the job is still stored as it was judged.
                Apply(job, decide(swept), nowMs);
                stuck.Add(swept);
            }

            SweepAbortedRunning(request, nowMs, graceMs, stuck);
            RepairSlots(nowMs);

            // Forget suspects that have left the active list since.
            foreach (var key in _suspects.Keys.Where(key => !_active.Contains(key)).ToList())
            {
                _suspects.Remove(key);
            }

            return Task.FromResult(new SweepResult(stuck, removed));
        }
    }

    // A running job aborted out of the active list that is still aborting after the grace: its worker is gone.
    private void SweepAbortedRunning(SweepRequest request, long nowMs, long graceMs, List<SweptJob> stuck)
    {
        foreach (var (key, since) in _abortedRunning.ToList())
        {
            if (TryReadJob(key, nowMs) is not { Status: JobStatus.Aborting } job || _active.Contains(key))
            {
                _abortedRunning.Remove(key);
                continue;
            }

            if (nowMs - since < graceMs)
            {
                continue;
            }

            var swept = new SweptJob(job, SweepReason.NotActive);
            if (request.Decide is { } decide)
            {
                Apply(job, decide(swept), nowMs);

                _abortedRunning.Remove(key);
            }

            stuck.Add(swept);
        }
    }

    private void Apply(Job job, SweepDecision decision, long nowMs)
    {
        RecordAttempt(job, decision.Status, nowMs);
        if (decision.Status == JobStatus.Queued)
        {
            Requeue(job, decision.RetryDelay, nowMs);
        }
        else
        {
            Finish(job, decision.Status, nowMs);
        }
    }
}
