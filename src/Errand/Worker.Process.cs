using System.Diagnostics;
using Errand.Backends;

namespace Errand;

/// <content>Running one job: its tokens, its outcome, and storing that outcome.</content>
public sealed partial class Worker
{
    private const string CancelledReason = "cancelled";
    private static readonly TimeSpan MaxStoreBackoff = TimeSpan.FromSeconds(5);

    private async Task ProcessAsync(Job job, SlotLease lease)
    {
        using var running = new RunningJob(job, _time);
        _running[running] = 0;

        // The second phase of a shutdown fires the token of every job in _running; one that was just being added is
        // caught here.
        if (_jobsShutdown.IsCancellationRequested)
        {
            running.Shutdown();
        }

        using var activity = ErrandDiagnostics.StartProcess(job);
        var token = running.Token;
        var context = new JobContext(job, _queue, _backend, Id, _services, token);
        var started = Stopwatch.GetTimestamp();
        Exception? failure = null;
        Log.JobStarted(_logger, job.Key, job.Function, _queue.Name, job.Attempts);
        try
        {
            try
            {
                foreach (var hook in Hooks.BeforeProcess)
                {
                    await hook(context).ConfigureAwait(false);
                }

                var function = _functions.Get(job.Function);
                var work = function.InvokeAsync(job, context, _queue.JsonOptions);
                try
                {
                    // WaitAsync: a function that ignores its token must not hold the worker past a timeout, abort or shutdown.
                    job.Result = await work.WaitAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested && !work.IsCompleted)
                {
                    Log.JobIgnoredCancellation(_logger, job.Key, job.Function);
                    _ = work.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    throw;
                }

                lease.FunctionEnded();
                job.Error = null;
                Interlocked.Increment(ref _complete);
                await FinishAsync(job, JobStatus.Complete, "complete").ConfigureAwait(false);
                var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Log.JobCompleted(_logger, job.Key, job.Function, elapsedMs);
            }
            catch (Exception ex) when (running.SupersededReason is not null)
            {
                // The store holds another attempt (or none): whatever this one would write would be refused.
                lease.FunctionEnded();
                failure = ex;
            }
            catch (Exception ex) when (running.AbortReason is { } reason)
            {
                lease.FunctionEnded();
                failure = ex;
                job.Error = reason;
                Interlocked.Increment(ref _aborted);
                await FinishAsync(job, JobStatus.Aborted, "aborted").ConfigureAwait(false);
                await Safely(() => _backend.ClearAbortAsync(job.Key, CancellationToken.None)).ConfigureAwait(false);
                Log.JobAborted(_logger, job.Key, job.Function, reason);
            }
            catch (OperationCanceledException ex) when (running.ShuttingDown)
            {
                lease.FunctionEnded();
                // A redeploy is not a failure: hand the job back without counting it against its retries' outcome.
                failure = ex;
                job.Error = CancelledReason;
                await RetryAsync(job, CancelledReason, TimeSpan.Zero).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (running.TimedOut)
            {
                lease.FunctionEnded();
                failure = new JobTimeoutException(job.Function, job.Timeout);
                activity?.AddException(failure);
                await FailOrRetryAsync(job, failure.ToString(), ex).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                lease.FunctionEnded();
                failure = ex;
                activity?.AddException(ex);
                await FailOrRetryAsync(job, ex.ToString(), ex).ConfigureAwait(false);
            }
            finally
            {
                foreach (var hook in Hooks.AfterProcess)
                {
                    try
                    {
                        await hook(context, failure).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        Log.HookFailed(_logger, ex, Id, "after-process");
                    }
                }
            }
        }
        finally
        {
            _running.TryRemove(running, out _);
            ErrandDiagnostics.Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("queue", _queue.Name), new KeyValuePair<string, object?>("function", job.Function));
            activity?.SetTag("errand.job.status", job.Status.ToWire());
        }
    }

    private async Task FailOrRetryAsync(Job job, string error, Exception exception)
    {
        job.Error = error;
        if (job.Retryable)
        {
            var delay = RetryPolicy.NextDelay(job, Random.Shared);
            await RetryAsync(job, FirstLine(error), delay).ConfigureAwait(false);
            return;
        }

        // Counted before the outcome is stored, so that whoever sees the outcome sees it counted.
        Interlocked.Increment(ref _failed);
        await FinishAsync(job, JobStatus.Failed, "failed").ConfigureAwait(false);
        Log.JobFailed(_logger, exception, job.Key, job.Function, job.Attempts);
    }

    private async Task RetryAsync(Job job, string reason, TimeSpan delay)
    {
        Interlocked.Increment(ref _retried);
        if (await StoreAsync(job, JobStatus.Queued, delay, static (backend, job, _, delay) => backend.RetryAsync(job, delay, CancellationToken.None)).ConfigureAwait(false))
        {
            ErrandDiagnostics.Finished.Add(1, new KeyValuePair<string, object?>("queue", _queue.Name), new KeyValuePair<string, object?>("outcome", "retried"));
            Log.JobRetrying(_logger, job.Key, job.Function, job.Attempts, reason, delay);
        }
    }

    private async Task FinishAsync(Job job, JobStatus status, string outcome)
    {
        if (await StoreAsync(job, status, TimeSpan.Zero, static (backend, job, status, _) => backend.FinishAsync(job, status, CancellationToken.None)).ConfigureAwait(false))
        {
            ErrandDiagnostics.Finished.Add(1, new KeyValuePair<string, object?>("queue", _queue.Name), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    // The outcome of a job is kept trying, with backoff, for as long as the worker runs: a Redis restart, a load or an
    // out-of-memory spell must not leave the job active under a live worker. Only the second phase of a shutdown gives
    // up; the job is then left to the sweeper. Static delegates, so that storing an outcome allocates no closure.
    private async Task<bool> StoreAsync(Job job, JobStatus status, TimeSpan delay, Func<IQueueBackend, Job, JobStatus, TimeSpan, Task> store)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store(_backend, job, status, delay).ConfigureAwait(false);
                Outage.Succeeded("store");
                return true;
            }
            catch (Exception ex) when (!_jobsShutdown.IsCancellationRequested)
            {
                var wait = TimeSpan.FromTicks(Math.Min(Backoff(attempt).Ticks, MaxStoreBackoff.Ticks));
                Outage.Failed(ex, "store", wait, $"store job {job.Key} as {status.ToWire()}");
                try
                {
                    await Task.Delay(wait, _time, _jobsShutdown.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The shutdown's second phase: one more try below, then the sweeper's turn.
                }
            }
            catch (Exception ex)
            {
                Log.JobNotFinished(_logger, ex, job.Key, job.Function, status.ToWire());
                return false;
            }
        }
    }

    private async Task Safely(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Outage.Failed(ex, "clear abort marker", TimeSpan.Zero);
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).TrimEnd();
    }
}
