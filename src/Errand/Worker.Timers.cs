using Errand.Backends;

namespace Errand;

/// <content>The worker's timers: schedule (and cron), sweep, abort check and worker info.</content>
public sealed partial class Worker
{
    private readonly Dictionary<string, long> _cronScheduled = new(StringComparer.Ordinal);

    private List<Task> StartTimers(CancellationToken stoppingToken) =>
    [
        EveryAsync(_options.ScheduleInterval, "schedule", ScheduleAsync, stoppingToken),
        EveryAsync(_options.SweepInterval, "sweep", SweepAsync, stoppingToken),
        EveryAsync(_options.AbortCheckInterval, "abort check", CheckAbortsAsync, stoppingToken),
        EveryAsync(_options.WorkerInfoInterval, "worker info", WriteWorkerInfoAsync, stoppingToken, skipFirst: true),
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
            // Enqueue the next occurrence once; until it has passed, another enqueue would only find the same key.
            if (_cronScheduled.TryGetValue(cron.Name, out var scheduled) && now.ToUnixTimeSeconds() < scheduled)
            {
                continue;
            }

            if (cron.NextOccurrence(now) is not { } next)
            {
                continue;
            }

            var options = (cron.Options ?? new JobOptions()) with
            {
                Key = cron.Unique ? $"cron:{cron.Name}" : null,
                ScheduledAt = next,
                Delay = null,
            };
            await _queue.EnqueueAsync(cron.Function, cron.Kwargs, options, cancellationToken).ConfigureAwait(false);
            _cronScheduled[cron.Name] = next.ToUnixTimeSeconds();
            Log.CronEnqueued(_logger, cron.Name, cron.Function, next);
        }

        await _backend.ScheduleAsync(_options.ScheduleInterval, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs one sweep round: jobs that no live worker will finish are aborted, then retried or ended.</summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var result = await _backend.SweepAsync(new SweepRequest(_options.SweepInterval, _options.WorkerInfoTtl), cancellationToken).ConfigureAwait(false);
        foreach (var id in result.Removed)
        {
            Log.SweptMissing(_logger, id, _queue.Name);
        }

        foreach (var (job, reason) in result.Stuck)
        {
            Log.JobSwept(_logger, job.Key, job.Function, _queue.Name, reason.ToString());
            await _backend.AbortAsync(job, "swept", cancellationToken).ConfigureAwait(false);
            job.Error = "swept";
            if (job.Retryable)
            {
                await _backend.RetryAsync(job, RetryPolicy.NextDelay(job, _random), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _backend.FinishAsync(job, JobStatus.Aborted, cancellationToken).ConfigureAwait(false);
            }

            await _backend.ClearAbortAsync(job.Key, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CheckAbortsAsync(CancellationToken cancellationToken)
    {
        if (_running.IsEmpty)
        {
            return;
        }

        var keys = _running.Keys.ToArray();
        var stored = await _backend.GetJobsAsync(keys, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < keys.Length; i++)
        {
            if (stored[i] is { Status: JobStatus.Aborting } aborting && _running.TryGetValue(keys[i], out var running))
            {
                running.Abort(aborting.Error ?? "aborted");
            }
        }
    }

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
