namespace Errand.EntityFrameworkCore;

/// <summary>Tells the outbox relays that a commit wrote outbox rows.</summary>
internal sealed class OutboxSignal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a task that completes at the next pulse; take it before looking at the table, so that no pulse is missed.</summary>
    public Task Next
    {
        get
        {
            lock (_lock)
            {
                return _next.Task;
            }
        }
    }

    public void Pulse()
    {
        TaskCompletionSource pulsed;
        lock (_lock)
        {
            pulsed = _next;
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        pulsed.TrySetResult();
    }
}
