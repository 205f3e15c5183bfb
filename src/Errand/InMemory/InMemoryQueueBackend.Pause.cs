using Errand.Backends;

namespace Errand.InMemory;

/// <content>The paused flag: kept with the queue, heard by the watches of this process.</content>
public sealed partial class InMemoryQueueBackend
{
    private readonly PauseWatchers _pauseWatchers = new();
    private bool _paused;

    /// <inheritdoc />
    public Task SetPausedAsync(bool paused, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            _paused = paused;
        }

        _pauseWatchers.Notify(paused);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> IsPausedAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            return Task.FromResult(_paused);
        }
    }

    /// <inheritdoc />
    public Task<IAsyncDisposable> WatchPausedAsync(Action<bool> changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposedLocked();
        return Task.FromResult(_pauseWatchers.Add(changed));
    }

    private void ThrowIfDisposedLocked()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
        }
    }
}
