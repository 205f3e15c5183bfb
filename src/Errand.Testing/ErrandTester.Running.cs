namespace Errand.Testing;

/// <content>Running jobs: drain, advance the clock, run one.</content>
public sealed partial class ErrandTester
{
    private static readonly TimeSpan ScheduleLock = TimeSpan.FromMilliseconds(1);
    private readonly Dictionary<string, DateTimeOffset> _retryDue = new(StringComparer.Ordinal);

    /// <summary>Runs every ready job, one at a time, until none is ready and none is running: jobs enqueued by the jobs it runs and retries due now included. The clock does not move.</summary>
    /// <param name="cancellationToken">Stops the drain (a running job is handed back to the queue, as at a worker's shutdown).</param>
    /// <returns>Every job that ran, as stored after the drain (complete, failed, or queued again for a later retry), in the order each first ran.</returns>
    /// <remarks>
    /// Scheduled jobs and cron occurrences that are due now run too; cron jobs get their next occurrence enqueued.
    /// A job that fails and has retries left with a retry delay is stored for its retry and left there: no time
    /// passes in a drain, so its retry (with its backoff) runs when <see cref="AdvanceAsync"/> moves the clock past
    /// it. A retry without delay runs in the same drain.
    /// </remarks>
    /// <exception cref="JobFailedException">A job that ran ended failed (no retries left); it carries the stored job with its error and stack trace. The other jobs of the drain have run.</exception>
    /// <exception cref="InvalidOperationException">More than <see cref="ErrandTesterOptions.MaxAttemptsPerDrain"/> attempts ran: a job keeps enqueuing work.</exception>
    public async Task<IReadOnlyList<Job>> DrainAsync(CancellationToken cancellationToken = default)
    {
        var ran = await RunReadyAsync(cancellationToken).ConfigureAwait(false);
        return await OutcomesAsync(ran, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves the fake clock forward by <paramref name="by"/>, stopping at every moment something becomes due on the way (a scheduled job, a retry after its delay, a cron occurrence) to run what is ready then, as <see cref="DrainAsync"/> does.</summary>
    /// <param name="by">How far to move the clock; zero only drains.</param>
    /// <param name="cancellationToken">Stops the advance between two moments.</param>
    /// <returns>Every job that ran, as stored at the end, in the order each first ran.</returns>
    /// <remarks>
    /// Jobs that are ready run first, at the current time. A job runs at the moment it becomes due, so it sees the
    /// clock at its scheduled time; a cron job every minute, advanced ten minutes, runs ten times. A job that fails
    /// with retries left is retried after each delay that falls inside the span. Jobs run to their end at each moment
    /// (the clock does not move while a job runs): a job's timeout fires only for a job that waits on the clock.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The tester has no fake clock (<see cref="ErrandTesterOptions.Clock"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="by"/> is negative.</exception>
    /// <exception cref="JobFailedException">A job that ran ended failed; the clock stays at the moment it failed.</exception>
    public async Task<IReadOnlyList<Job>> AdvanceAsync(TimeSpan by, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        var clock = _options.Clock ?? throw new InvalidOperationException("AdvanceAsync moves a fake clock: give the tester one (ErrandTesterOptions.Clock), the same the queue was created with.");
        var target = clock.GetUtcNow() + by;
        var ran = new List<string>();
        ran.AddRange(await RunReadyAsync(cancellationToken).ConfigureAwait(false));
        while (await NextDueAsync(clock.GetUtcNow(), cancellationToken).ConfigureAwait(false) is { } next && next <= target)
        {
            clock.SetUtcNow(next);
            ran.AddRange(await RunReadyAsync(cancellationToken).ConfigureAwait(false));
        }

        if (clock.GetUtcNow() < target)
        {
            clock.SetUtcNow(target);
            ran.AddRange(await RunReadyAsync(cancellationToken).ConfigureAwait(false));
        }

        return await OutcomesAsync(ran, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one attempt of <paramref name="job"/>, which must be ready; jobs ready before it in the queue run first, one at a time.</summary>
    /// <param name="job">The job, as enqueued (only its key counts).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The job as stored after its attempt: complete, or queued again for a retry.</returns>
    /// <remarks>Jobs that its attempt enqueues are left in the queue; <see cref="DrainAsync"/> runs them.</remarks>
    /// <exception cref="JobFailedException">The attempt failed with no retries left (or an earlier job of the queue did).</exception>
    /// <exception cref="InvalidOperationException">The job is not stored, or not ready (scheduled later, running or finished).</exception>
    public async Task<Job> RunAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        await _queue.Backend.ScheduleAsync(ScheduleLock, cancellationToken).ConfigureAwait(false);
        var stored = await _queue.GetJobAsync(job.Key, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Job {job.Key} ({job.Function}) is not stored in queue '{_queue.Name}'.");
        var now = (_options.Clock ?? TimeProvider.System).GetUtcNow();
        if (stored.Status != JobStatus.Queued || stored.ScheduledAt > now)
        {
            var why = stored.ScheduledAt > now ? $"scheduled at {stored.ScheduledAt:O}; AdvanceAsync moves the clock there" : $"{stored.Status.ToString().ToLowerInvariant()}";
            throw new InvalidOperationException($"Job {job.Key} ({job.Function}) is not ready to run: it is {why}.");
        }

        var attempts = stored.Attempts;
        var ran = new List<string>();
        while (true)
        {
            var taken = await PassAsync(_single, cancellationToken).ConfigureAwait(false);
            ran.AddRange(taken);
            if (taken.Contains(job.Key, StringComparer.Ordinal))
            {
                break;
            }

            if (taken.Count == 0)
            {
                throw new InvalidOperationException($"Job {job.Key} ({job.Function}) was not taken: the queue had no ready job left before it.");
            }
        }

        await NoteOutcomesAsync(ran, cancellationToken).ConfigureAwait(false);
        var after = await _queue.GetJobAsync(job.Key, cancellationToken).ConfigureAwait(false);
        return after ?? throw new InvalidOperationException($"Job {job.Key} ({job.Function}) ran (attempt {attempts + 1}) and is no longer stored.");
    }

    // Burst passes until a pass runs nothing and nothing is ready. A pass starts with the worker's schedule (cron
    // occurrences, due scheduled jobs); the backend's schedule runs once more after it, for a store where that
    // first schedule raced the pass's first dequeue. The clock does not move: every job's outcome is of this moment.
    private async Task<List<string>> RunReadyAsync(CancellationToken cancellationToken)
    {
        var ran = new List<string>();
        while (true)
        {
            var taken = await PassAsync(_worker, cancellationToken).ConfigureAwait(false);
            ran.AddRange(taken);
            if (ran.Count > _options.MaxAttemptsPerDrain)
            {
                throw new InvalidOperationException(
                    $"The drain ran more than {_options.MaxAttemptsPerDrain} job attempts (last: {string.Join(", ", taken.TakeLast(5))}); a job may be enqueuing work for ever. Raise ErrandTesterOptions.MaxAttemptsPerDrain if this is expected.");
            }

            await _queue.Backend.ScheduleAsync(ScheduleLock, cancellationToken).ConfigureAwait(false);
            if (taken.Count == 0 && (await _queue.CountAsync(cancellationToken).ConfigureAwait(false)).Queued == 0)
            {
                await NoteOutcomesAsync(ran, cancellationToken).ConfigureAwait(false);
                return ran;
            }
        }
    }

    // Throws for a job that failed at this moment; notes when each job queued again for a retry is due at the latest.
    // A job's document does not say when its retry is due (SAQ keeps that in the queue's schedule only), and the
    // delay with backoff is random (full jitter): the bound is the longest delay its options allow, the exact delay
    // without backoff.
    private async Task NoteOutcomesAsync(List<string> ran, CancellationToken cancellationToken)
    {
        var keys = ran.Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            return;
        }

        var now = (_options.Clock ?? TimeProvider.System).GetUtcNow();
        foreach (var job in (await _queue.GetJobsAsync(keys, cancellationToken).ConfigureAwait(false)).OfType<Job>())
        {
            _retryDue.Remove(job.Key);
            if (job is { Status: JobStatus.Queued, Attempts: > 0 })
            {
                _retryDue[job.Key] = now + LongestRetryDelay(job);
            }
            else if (job.Status == JobStatus.Failed)
            {
                throw new JobFailedException(job);
            }
        }
    }

    private static TimeSpan LongestRetryDelay(Job job)
    {
        var seconds = job.RetryBackoff
            ? Math.Min(job.RetryBackoffCap ?? double.PositiveInfinity, job.RetryDelay * Math.Pow(2, Math.Max(job.Attempts - 1, 0)))
            : job.RetryDelay;
        return TimeSpan.FromSeconds(Math.Max(0, seconds));
    }

    private async Task<List<string>> PassAsync(Worker worker, CancellationToken cancellationToken)
    {
        int before;
        lock (_attempts)
        {
            before = _attempts.Count;
        }

        await worker.RunAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_attempts)
        {
            return _attempts.GetRange(before, _attempts.Count - before);
        }
    }

    // The earliest moment after now at which a stored job becomes due. Cron occurrences are among them: the worker
    // enqueues each next occurrence as a scheduled job.
    private async Task<DateTimeOffset?> NextDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        DateTimeOffset? next = null;
        // Every job, not the queued page: a backend's queued page may hold only the ready ones.
        await foreach (var job in _queue.IterateJobsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            var at = job switch
            {
                { Status: JobStatus.Queued } when _retryDue.TryGetValue(job.Key, out var retry) => retry,
                { Status: JobStatus.Queued, ScheduledAt: { } scheduled } => scheduled,
                _ => (DateTimeOffset?)null,
            };
            if (at is { } when)
            {
                // A job due now that the schedule lock kept back becomes ready a millisecond later.
                var due = when > now ? when : now + ScheduleLock;
                next = next is { } earliest && earliest <= due ? earliest : due;
            }
        }

        return next;
    }

    private async Task<IReadOnlyList<Job>> OutcomesAsync(List<string> ran, CancellationToken cancellationToken)
    {
        var keys = ran.Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            return [];
        }

        var stored = await _queue.GetJobsAsync(keys, cancellationToken).ConfigureAwait(false);
        var jobs = stored.OfType<Job>().ToList();
        if (jobs.FirstOrDefault(j => j.Status == JobStatus.Failed) is { } failed)
        {
            throw new JobFailedException(failed);
        }

        return jobs;
    }
}
