using System.Text.Json;
using System.Threading.Channels;
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

            finished = await WaitAllAsync(keys, options.Timeout, subscription, options.ReturnErrors, cancellationToken).ConfigureAwait(false);
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

        // Ends the re-read timer and the channel wait that are still pending when the wait is over.
        using var done = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var state = new WaitState(keys);
        var interval = _options.WaitRecheckInterval;

        // Armed before the first read, and the loss signal taken before each read: a notification lost at any point
        // (the backend reconnecting, or never sent) is made good by the next read, after a reconnect at once, else
        // after the interval. Notifications still end a wait at once; the timer is the safety net, not a poll.
        var recheck = Task.Delay(interval, _time, done.Token);
        var missed = subscription.ChangesMissed;
        Task<bool>? readable = null;
        try
        {
            // Read once after subscribing: a job that finished before we listened gives no notification.
            await ReadStoredAsync(state, returnErrors, cancellationToken).ConfigureAwait(false);
            while (state.Pending > 0)
            {
                while (state.Pending > 0 && subscription.Changes.TryRead(out var change))
                {
                    await OnChangeAsync(state, change, returnErrors, cancellationToken).ConfigureAwait(false);
                }

                if (state.Pending == 0)
                {
                    break;
                }

                readable ??= subscription.Changes.WaitToReadAsync(done.Token).AsTask();
                var woken = await Task.WhenAny(readable, missed, recheck).ConfigureAwait(false);
                if (woken == readable)
                {
                    var more = await readable.ConfigureAwait(false);
                    readable = null;
                    if (!more)
                    {
                        throw new ChannelClosedException();
                    }

                    continue;
                }

                if (woken == recheck)
                {
                    await recheck.ConfigureAwait(false);
                    recheck = Task.Delay(interval, _time, done.Token);
                }
                else
                {
                    missed = subscription.ChangesMissed;
                }

                try
                {
                    await ReadStoredAsync(state, returnErrors, cancellationToken).ConfigureAwait(false);
                }
                catch (BackendUnavailableException)
                {
                    // The safety net's read met an outage: the wait goes on, and reads again after the reconnect or
                    // the next interval; only its own timeout ends it.
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var first = Array.FindIndex(state.Results, r => r is null);
            throw new JobWaitTimeoutException(keys[first], timeout, state.LastStatus[first]);
        }
        finally
        {
            await done.CancelAsync().ConfigureAwait(false);
        }

        return state.Results!;
    }

    // Reads the stored state of the jobs still awaited; the finished ones are done.
    private async Task ReadStoredAsync(WaitState state, bool returnErrors, CancellationToken cancellationToken)
    {
        var waiting = new List<int>(state.Pending);
        for (var i = 0; i < state.Keys.Length; i++)
        {
            if (state.Results[i] is null)
            {
                waiting.Add(i);
            }
        }

        var stored = await Backend.GetJobsAsync([.. waiting.Select(i => state.Keys[i])], cancellationToken).ConfigureAwait(false);
        for (var n = 0; n < waiting.Count; n++)
        {
            var i = waiting[n];
            if (stored[n] is not { } job || state.Results[i] is not null)
            {
                continue;
            }

            state.LastStatus[i] = job.Status;
            if (job.Status.IsFinished())
            {
                state.Finish(i, job);
                ThrowIfFailed(job, returnErrors);
            }
        }
    }

    private async Task OnChangeAsync(WaitState state, JobStatusChange change, bool returnErrors, CancellationToken cancellationToken)
    {
        if (!state.Index.TryGetValue(change.Key, out var i) || state.Results[i] is not null)
        {
            return;
        }

        state.LastStatus[i] = change.Status;
        if (!change.Status.IsFinished())
        {
            return;
        }

        // A job deleted at once (ttl -1) leaves only its last status.
        var job = await Backend.GetJobAsync(change.Key, cancellationToken).ConfigureAwait(false)
            ?? new Job("unknown", Name, change.Key) { Status = change.Status };
        state.Finish(i, job);
        ThrowIfFailed(job, returnErrors);
    }

    private static void ThrowIfFailed(Job job, bool returnErrors)
    {
        if (!returnErrors && job.Status != JobStatus.Complete)
        {
            throw new JobFailedException(job);
        }
    }

    // What a wait knows: the finished jobs so far and each job's last status.
    private sealed class WaitState
    {
        public WaitState(string[] keys)
        {
            Keys = keys;
            Results = new Job?[keys.Length];
            LastStatus = new JobStatus?[keys.Length];
            Index = new Dictionary<string, int>(keys.Length, StringComparer.Ordinal);
            for (var i = 0; i < keys.Length; i++)
            {
                Index[keys[i]] = i;
            }

            Pending = keys.Length;
        }

        public string[] Keys { get; }

        public Job?[] Results { get; }

        public JobStatus?[] LastStatus { get; }

        public Dictionary<string, int> Index { get; }

        public int Pending { get; private set; }

        public void Finish(int i, Job job)
        {
            Results[i] = job;
            Pending--;
        }
    }
}
