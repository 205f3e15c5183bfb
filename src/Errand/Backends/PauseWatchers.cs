namespace Errand.Backends;

/// <summary>A ready-made set of <see cref="IQueueBackend.WatchPausedAsync"/> watches for backend authors: add one per call, notify them all when a change is heard.</summary>
/// <remarks>Safe for concurrent use. A watcher that throws is left out of that change, never the others.</remarks>
internal sealed class PauseWatchers
{
    private Watch[] _watchers = [];

    /// <summary>Gets whether any watch is in place.</summary>
    public bool Any => Volatile.Read(ref _watchers).Length > 0;

    /// <summary>Adds <paramref name="changed"/> until the returned watch is disposed.</summary>
    /// <param name="changed">Called with each new state.</param>
    /// <returns>The watch.</returns>
    public IAsyncDisposable Add(Action<bool> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var watch = new Watch(this, changed);
        Update(watchers => [.. watchers, watch]);
        return watch;
    }

    /// <summary>Calls every watcher with <paramref name="paused"/>.</summary>
    /// <param name="paused">The new state.</param>
    public void Notify(bool paused)
    {
        foreach (var watcher in Volatile.Read(ref _watchers))
        {
            try
            {
                watcher.Changed(paused);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A watcher must not throw; when one does, the others still hear the change.
            }
        }
    }

    /// <summary>Removes every watcher (the backend closes).</summary>
    public void Clear() => Update(_ => []);

    private void Update(Func<Watch[], Watch[]> change)
    {
        while (true)
        {
            var current = Volatile.Read(ref _watchers);
            if (Interlocked.CompareExchange(ref _watchers, change(current), current) == current)
            {
                return;
            }
        }
    }

    private sealed class Watch(PauseWatchers owner, Action<bool> changed) : IAsyncDisposable
    {
        private int _disposed;

        public Action<bool> Changed => changed;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Update(watchers => [.. watchers.Where(w => !ReferenceEquals(w, this))]);
            }

            return ValueTask.CompletedTask;
        }
    }
}
