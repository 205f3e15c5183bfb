namespace Errand;

/// <content>Pause and resume: the queue's paused flag, as the worker hears it (a notification) and reads it (once a second).</content>
/// <remarks>
/// While the flag is set the dequeue loops take nothing: they wait for a resume, and a take already waiting is cancelled
/// (a job it has moved is still run). The timers go on (schedule and cron, sweep, abort check, worker info) and running
/// jobs finish. The hot path pays no round trip: the loops read a field; the flag is read from the store by a timer, once
/// per <see cref="WorkerOptions.PauseCheckInterval"/>, so a lost notification delays a pause or a resume by at most that.
/// </remarks>
public sealed partial class Worker
{
    private readonly Lock _pauseLock = new();
    private bool _paused;
    private long _pauseChanges;
    private CancellationTokenSource? _takes = new();
    private TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IAsyncDisposable? _pauseWatch;

    /// <summary>Gets whether the worker sees its queue paused: it takes no job until the queue is resumed.</summary>
    public bool IsPaused => Volatile.Read(ref _paused);

    /// <summary>Watches the flag, then reads it: a change between the two is heard, and the loops start knowing it.</summary>
    private async Task StartPauseWatchAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WatchPauseAsync(stoppingToken).ConfigureAwait(false);
            await CheckPausedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            Outage.Failed(ex, "pause check", _options.PauseCheckInterval);
        }
    }

    private async Task WatchPauseAsync(CancellationToken cancellationToken)
    {
        if (_pauseWatch is null)
        {
            _pauseWatch = await _backend.WatchPausedAsync(OnPauseHeard, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the flag from the store (the timer's round, and the start); a change heard meanwhile wins over the read.</summary>
    internal async Task CheckPausedAsync(CancellationToken cancellationToken)
    {
        // A watch that could not be made at the start (the store was down) is made again here.
        await WatchPauseAsync(cancellationToken).ConfigureAwait(false);
        var changes = Interlocked.Read(ref _pauseChanges);
        var paused = await _backend.IsPausedAsync(cancellationToken).ConfigureAwait(false);
        SetPaused(paused, changes);
    }

    private void OnPauseHeard(bool paused)
    {
        Interlocked.Increment(ref _pauseChanges);
        SetPaused(paused, changesSeen: null);
    }

    private void SetPaused(bool paused, long? changesSeen)
    {
        CancellationTokenSource? cancel = null;
        TaskCompletionSource? resume = null;
        lock (_pauseLock)
        {
            if (paused == _paused || (changesSeen is { } seen && seen != Interlocked.Read(ref _pauseChanges)))
            {
                return;
            }

            Volatile.Write(ref _paused, paused);
            if (paused)
            {
                (cancel, _takes) = (_takes, null);
            }
            else
            {
                _takes = new CancellationTokenSource();
                (resume, _resumed) = (_resumed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
        }

        if (paused)
        {
            Log.QueuePaused(_logger, Id, _queue.Name);

            // Outside the lock: an idle take's cancellation runs the backend's unblocking.
            cancel?.Cancel();
        }
        else
        {
            Log.QueueResumed(_logger, Id, _queue.Name);
            resume?.TrySetResult();
        }
    }

    /// <summary>Returns the source whose token a take waits with (cancelled by a pause), or <see langword="null"/> while paused.</summary>
    private CancellationTokenSource? TakesSource()
    {
        lock (_pauseLock)
        {
            return _takes;
        }
    }

    /// <summary>Waits until the queue is resumed or the worker stops.</summary>
    private async Task WaitResumedAsync(CancellationToken stoppingToken)
    {
        Task resumed;
        lock (_pauseLock)
        {
            if (!_paused)
            {
                return;
            }

            resumed = _resumed.Task;
        }

        try
        {
            await resumed.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task StopPauseWatchAsync()
    {
        if (_pauseWatch is { } watch)
        {
            _pauseWatch = null;
            await watch.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The token a dequeue loop takes with: it fires on shutdown and on a pause; made once per stretch between pauses, not per take.</summary>
    private sealed class TakeTokens(CancellationToken stoppingToken) : IDisposable
    {
        private CancellationTokenSource? _linked;
        private CancellationTokenSource? _for;

        public CancellationToken For(CancellationTokenSource takes)
        {
            if (!ReferenceEquals(takes, _for))
            {
                _linked?.Dispose();
                _linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, takes.Token);
                _for = takes;
            }

            return _linked!.Token;
        }

        public void Dispose() => _linked?.Dispose();
    }
}
