namespace Errand;

/// <summary>A job a worker is running, with the token source its abort check fires.</summary>
internal sealed class RunningJob(Job job) : IDisposable
{
    private readonly CancellationTokenSource _abort = new();

    public Job Job { get; } = job;

    public CancellationToken AbortToken => _abort.Token;

    public string? AbortReason { get; private set; }

    public void Abort(string reason)
    {
        AbortReason ??= reason;
        _abort.Cancel();
    }

    public void Dispose() => _abort.Dispose();
}
