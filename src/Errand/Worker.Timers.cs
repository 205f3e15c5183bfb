using Errand.Backends;
using Errand.Cron;

namespace Errand;

/// <content>The worker's timers: schedule (and cron), sweep, abort check, worker info and pause check.</content>
public sealed partial class Worker
{
    private readonly Dictionary<string, long> _cronScheduled = new(StringComparer.Ordinal);

    private List<Task> StartTimers(CancellationToken stoppingToken) =>
    [
        EveryAsync(_options.ScheduleInterval, "schedule", ScheduleAsync, stoppingToken),
        EveryAsync(_options.SweepInterval, "sweep", SweepAsync, stoppingToken),
        EveryAsync(_options.AbortCheckInterval, "abort check", CheckAbortsAsync, stoppingToken),
        EveryAsync(_options.WorkerInfoInterval, "worker info", WriteWorkerInfoAsync, stoppingToken, skipFirst: true),
        EveryAsync(_options.PauseCheckInterval, "pause check", CheckPausedAsync, stoppingToken, skipFirst: true),
    ];

    private async Task EveryAsync(TimeSpan interval, string name, Func<CancellationToken, Task> action, CancellationToken stoppingToken, bool skipFirst = false)
    {
        var failures = 0;
        var delay = skipFirst ? interval : TimeSpan.Zero;
        while (true)
        {
            try
            {
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                await action(stoppingToken).ConfigureAwait(false);
                failures = 0;
                delay = interval;
                Outage.Succeeded(name);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                delay = TimeSpan.FromTicks(Math.Max(interval.Ticks, Backoff(++failures).Ticks));
                Outage.Failed(ex, name, delay);
            }
        }
    }

    /// <summary>Enqueues due cron jobs, then moves scheduled jobs whose time has come to the ready list.</summary>
    internal async Task ScheduleAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var cron in _options.CronJobs)
        {
            await EnqueueCronAsync(cron, now, cancellationToken).ConfigureAwait(false);
        }

        await _backend.ScheduleAsync(_options.ScheduleInterval, cancellationToken).ConfigureAwait(false);
    }

    // Each occurrence is enqueued once, by whichever worker comes first. The cursor is the occurrence last enqueued,
    // as this worker knows it or as the stored job of the key cron:NAME shows it (another worker's, or this queue's
    // before a restart): the next one to enqueue is the occurrence after it, never the one after now, so an occurrence
    // refused while the previous one still held the key is tried again at the next tick instead of being lost.
    // Occurrences that all passed while nothing was enqueued (no worker up, or a run longer than the period) are
    // coalesced into the latest one.
    private async Task EnqueueCronAsync(CronJob cron, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var known = _cronScheduled.TryGetValue(cron.Name, out var last);
        if (known && now.ToUnixTimeSeconds() < last)
        {
            // The occurrence last enqueued has not come yet: nothing can have freed the key.
            return;
        }

        var key = cron.Unique ? $"cron:{cron.Name}" : null;
        if (key is not null && await _queue.GetJobAsync(key, cancellationToken).ConfigureAwait(false) is { Scheduled: > 0 } stored
            && (!known || stored.Scheduled > last))
        {
            (known, last) = (true, stored.Scheduled);
            _cronScheduled[cron.Name] = last;
        }

        var after = known ? DateTimeOffset.FromUnixTimeSeconds(last) : now;
        if (cron.NextOccurrence(after) is not { } next)
        {
            return;
        }

        while (cron.NextOccurrence(next) is { } later && later <= now)
        {
            next = later;
        }

        var options = (cron.Options ?? new JobOptions()) with { Key = key, ScheduledAt = next, Delay = null };
        var job = await _queue.EnqueueAsync(cron.Function, cron.Kwargs, options, cancellationToken).ConfigureAwait(false);
        if (job.Scheduled >= next.ToUnixTimeSeconds())
        {
            // Enqueued, or found enqueued by another worker: this occurrence is done with.
            _cronScheduled[cron.Name] = job.Scheduled;
            Log.CronEnqueued(_logger, cron.Name, cron.Function, next);
        }
    }

    /// <summary>Runs one sweep round: jobs that no live worker will finish are retried or ended, each in one step with the backend.</summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var request = new SweepRequest(_options.SweepInterval, _options.WorkerInfoTtl) { Decide = DecideSwept };
        var result = await _backend.SweepAsync(request, cancellationToken).ConfigureAwait(false);
        foreach (var id in result.Removed)
        {
            Log.SweptMissing(_logger, id, _queue.Name);
        }

        foreach (var (job, reason) in result.Stuck)
        {
            Log.JobSwept(_logger, job.Key, job.Function, _queue.Name, reason.ToString(), job.Status.ToWire());
        }
    }

    // A job its worker took but never marked active (the worker died before its first round trip, e.g. inside a
    // synchronous function that crashed the process) has its attempt counted here, so that a job that kills every
    // worker that takes it ends failed after its retries instead of being handed out for ever.
    private static SweepDecision DecideSwept(SweptJob swept)
    {
        var (job, reason) = swept;
        if (job.Status == JobStatus.Aborting)
        {
            // An abort was asked for and its worker is gone: end it as the abort said.
            return SweepDecision.End(JobStatus.Aborted);
        }

        var neverMarked = job.Status != JobStatus.Active;
        if (neverMarked)
        {
            job.Attempts++;
        }

        job.Error = (reason, neverMarked) switch
        {
            (_, true) => $"swept: its worker died while running it, before the start of attempt {job.Attempts} was stored",
            (SweepReason.TimedOut, _) => $"swept: ran longer than its timeout of {job.Timeout} s and its worker did not stop it",
            (SweepReason.HeartbeatMissed, _) => $"swept: no heartbeat for more than {job.Heartbeat} s",
            _ => $"swept: its worker {job.WorkerId} died while running it (attempt {job.Attempts})",
        };
        return job.Retryable ? SweepDecision.Retry(RetryPolicy.NextDelay(job, Random.Shared)) : SweepDecision.End(JobStatus.Failed);
    }

    // Reads the stored state of every running attempt: an abort request stops it as aborted; an attempt that is no
    // longer the job's current one (swept and queued again, taken by another attempt, finished or removed elsewhere)
    // is stopped without storing anything, so that at most one copy of a job runs while its worker lives.
    private async Task CheckAbortsAsync(CancellationToken cancellationToken)
    {
        if (_running.IsEmpty)
        {
            return;
        }

        var running = _running.Keys.ToArray();
        var keys = running.Select(r => r.Job.Key).Distinct(StringComparer.Ordinal).ToArray();
        var stored = await _backend.GetJobsAsync(keys, cancellationToken).ConfigureAwait(false);
        var byKey = new Dictionary<string, Job?>(keys.Length, StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++)
        {
            byKey[keys[i]] = stored[i];
        }

        foreach (var attempt in running)
        {
            var current = byKey[attempt.Job.Key];
            if (SupersededBecause(attempt.Job, current) is { } why)
            {
                if (attempt.Supersede(why))
                {
                    Log.JobSuperseded(_logger, attempt.Job.Key, attempt.Job.Function, attempt.Job.Attempts, why);
                }
            }
            else if (current is { Status: JobStatus.Aborting })
            {
                attempt.Abort(current.Error ?? "aborted");
            }
        }
    }

    /// <summary>Returns why the running attempt <paramref name="mine"/> is no longer its job's current one, or <see langword="null"/> while it is.</summary>
    /// <remarks>A stored job one attempt behind, still queued, is this attempt before its active mark is stored: still current.</remarks>
    internal static string? SupersededBecause(Job mine, Job? stored) => stored switch
    {
        null => "its job is no longer stored",
        { Attempts: var attempts } when attempts > mine.Attempts => $"attempt {attempts} has started",
        { Status: var status } when status.IsFinished() => $"the job was ended as {status.ToWire()} elsewhere",
        { Status: JobStatus.Queued, Attempts: var attempts } when attempts == mine.Attempts => "the job was queued again (swept)",
        _ => null,
    };

    private Task WriteWorkerInfoAsync(CancellationToken cancellationToken) =>
        _backend.WriteWorkerInfoAsync(new WorkerInfo(Id, _queue.Name, Stats, _metadata), _options.WorkerInfoTtl, cancellationToken);

    private async Task WriteWorkerInfoSafelyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WriteWorkerInfoAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Outage.Failed(ex, "worker info", _options.WorkerInfoInterval);
        }
    }

    private async Task RemoveWorkerInfoSafelyAsync()
    {
        try
        {
            await _backend.RemoveWorkerInfoAsync(Id, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Outage.Failed(ex, "remove worker info", TimeSpan.Zero);
        }
    }
}
