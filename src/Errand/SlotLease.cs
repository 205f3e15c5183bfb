namespace Errand;

/// <summary>A job's hold on one of the worker's concurrency slots.</summary>
/// <remarks>
/// The slot is handed back as soon as the job's function has ended, while its outcome is still being stored, so the
/// next job is taken in the same moment instead of one round trip later. A second bound (<c>storing</c>, as large as
/// the concurrency) keeps the jobs that are storing an outcome from piling up: when it is full, the slot is kept
/// until the store is done, as before. Functions never run more than the concurrency at once either way.
/// </remarks>
internal sealed class SlotLease(SemaphoreSlim slots, SemaphoreSlim storing)
{
    private int _slotHeld = 1;
    private int _storingHeld;

    /// <summary>The function has ended (any outcome): free the slot early when the store bound allows it.</summary>
    public void FunctionEnded()
    {
        if (Volatile.Read(ref _slotHeld) == 1 && Volatile.Read(ref _storingHeld) == 0 && storing.Wait(0, CancellationToken.None))
        {
            Volatile.Write(ref _storingHeld, 1);
            if (Interlocked.Exchange(ref _slotHeld, 0) == 1)
            {
                slots.Release();
            }
        }
    }

    /// <summary>The job is done, outcome stored: free whatever is still held.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _slotHeld, 0) == 1)
        {
            slots.Release();
        }

        if (Interlocked.Exchange(ref _storingHeld, 0) == 1)
        {
            storing.Release();
        }
    }
}
