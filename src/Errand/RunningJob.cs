namespace Errand;

/// <summary>A job a worker is running, with the one token source its timeout, its abort and the worker's shutdown fire.</summary>
/// <remarks>One source per job, not a linked one over three: no registration on a source every job shares, and no timer when the job has no timeout.</remarks>
internal sealed class RunningJob : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private int _shuttingDown;

    public RunningJob(Job job, TimeProvider time)
    {
        Job = job;
        _cancel = job.Timeout > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(job.Timeout), time) : new CancellationTokenSource();
    }

    public Job Job { get; }

    /// <summary>Gets the job's token: it fires on timeout, abort or the worker's shutdown.</summary>
    public CancellationToken Token => _cancel.Token;

    public string? AbortReason { get; private set; }

    public bool ShuttingDown => Volatile.Read(ref _shuttingDown) != 0;

    /// <summary>Gets why this attempt is no longer the job's current one (swept, taken again, ended elsewhere), or <see langword="null"/>.</summary>
    public string? SupersededReason { get; private set; }

    /// <summary>Gets whether the token fired for the timeout (neither an abort nor the shutdown fired it).</summary>
    public bool TimedOut => _cancel.IsCancellationRequested && AbortReason is null && SupersededReason is null && !ShuttingDown;

    public void Abort(string reason)
    {
        AbortReason ??= reason;
        Cancel();
    }

    /// <summary>Stops this attempt, which must store nothing more; returns <see langword="false"/> when it was already stopped so.</summary>
    public bool Supersede(string reason)
    {
        if (SupersededReason is not null)
        {
            return false;
        }

        SupersededReason = reason;
        Cancel();
        return true;
    }

    public void Shutdown()
    {
        Volatile.Write(ref _shuttingDown, 1);
        Cancel();
    }

    public void Dispose() => _cancel.Dispose();

    private void Cancel()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The job ended meanwhile: there is nothing left to stop.
        }
    }
}
