using System.Text.Json;
using Errand.Backends;

namespace Errand;

/// <content>Waiting for jobs: <see cref="WaitAsync"/>, <see cref="ApplyAsync{TResult}"/> and <see cref="MapAsync{TResult}"/>.</content>
public sealed partial class Queue
{
    /// <inheritdoc />
    public async Task<Job> WaitAsync(string key, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var finished = await WaitAllAsync([key], timeout, cancellationToken).ConfigureAwait(false);
        return finished[0];
    }

    /// <inheritdoc />
    public async Task<TResult?> ApplyAsync<TResult>(string function, object? kwargs = null, JobOptions? options = null, CancellationToken cancellationToken = default)
    {
        var outcomes = await MapAsync<TResult>(function, [kwargs], new MapOptions { JobOptions = options }, cancellationToken).ConfigureAwait(false);
        return outcomes[0].Result;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobOutcome<TResult>>> MapAsync<TResult>(string function, IEnumerable<object?> kwargs, MapOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MapOptions();
        var jobs = CreateJobs(function, kwargs, options.JobOptions);

        // Subscribe before enqueueing, so that no notification can come before the waiter listens.
        var subscription = await Backend.SubscribeAsync(jobs.Select(j => j.Key).ToArray(), cancellationToken).ConfigureAwait(false);
        IReadOnlyList<Job> finished;
        await using (subscription.ConfigureAwait(false))
        {
            var keys = (await EnqueueManyAsync(jobs, cancellationToken).ConfigureAwait(false)).Select(j => j.Key).ToArray();

            finished = await WaitAllAsync(keys, System.Threading.Timeout.InfiniteTimeSpan, subscription, options.ReturnErrors, cancellationToken).ConfigureAwait(false);
        }

        var outcomes = new JobOutcome<TResult>[finished.Count];
        for (var i = 0; i < finished.Count; i++)
        {
            var job = finished[i];
            outcomes[i] = job.Status == JobStatus.Complete
                ? new JobOutcome<TResult>(job, BindResult<TResult>(job), null)
                : new JobOutcome<TResult>(job, default, new JobFailedException(job));
        }

        return outcomes;
    }

    private TResult? BindResult<TResult>(Job job)
    {
        if (job.Result is not { } result)
        {
            return default;
        }

        try
        {
            return result.Deserialize<TResult>(_options.JsonSerializerOptions);
        }
        catch (JsonException ex)
        {
            throw new ErrandException($"The result of job {job.Key} ({job.Function}) does not bind to {typeof(TResult).Name}: {ex.Message}", ex);
        }
    }

    private async Task<IReadOnlyList<Job>> WaitAllAsync(string[] keys, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var subscription = await Backend.SubscribeAsync(keys, cancellationToken).ConfigureAwait(false);
        await using (subscription.ConfigureAwait(false))
        {
            return await WaitAllAsync(keys, timeout, subscription, returnErrors: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<Job>> WaitAllAsync(string[] keys, TimeSpan timeout, IJobSubscription subscription, bool returnErrors, CancellationToken cancellationToken)
    {
        using var timer = timeout == System.Threading.Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(timeout, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var results = new Job?[keys.Length];
        var lastStatus = new JobStatus?[keys.Length];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++)
        {
            index[keys[i]] = i;
        }

        // Read once after subscribing: a job that finished before we listened gives no notification.
        var stored = await Backend.GetJobsAsync(keys, cancellationToken).ConfigureAwait(false);
        var pending = keys.Length;
        for (var i = 0; i < keys.Length; i++)
        {
            lastStatus[i] = stored[i]?.Status;
            if (stored[i] is { } job && job.Status.IsFinished())
            {
                results[i] = job;
                pending--;
                ThrowIfFailed(job, returnErrors);
            }
        }

        try
        {
            while (pending > 0)
            {
                var change = await subscription.Changes.ReadAsync(deadline.Token).ConfigureAwait(false);
                if (!index.TryGetValue(change.Key, out var i) || results[i] is not null)
                {
                    continue;
                }

                lastStatus[i] = change.Status;
                if (!change.Status.IsFinished())
                {
                    continue;
                }

                // A job deleted at once (ttl -1) leaves only its last status.
                var job = await Backend.GetJobAsync(change.Key, cancellationToken).ConfigureAwait(false)
                    ?? new Job("unknown", Name, change.Key) { Status = change.Status };
                results[i] = job;
                pending--;
                ThrowIfFailed(job, returnErrors);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var first = Array.FindIndex(results, r => r is null);
            throw new JobWaitTimeoutException(keys[first], timeout, lastStatus[first]);
        }

        return results!;
    }

    private static void ThrowIfFailed(Job job, bool returnErrors)
    {
        if (!returnErrors && job.Status != JobStatus.Complete)
        {
            throw new JobFailedException(job);
        }
    }
}
