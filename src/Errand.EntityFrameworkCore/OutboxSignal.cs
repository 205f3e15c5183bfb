namespace Errand.EntityFrameworkCore;

/// <summary>
/// Tells the outbox relays that a commit wrote outbox rows, and tells the commit when every relay has run a round that
/// began after it, so that an awaited commit returns with its jobs in their queues.
/// </summary>
internal sealed class OutboxSignal
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, long> _relayedThrough = [];
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _relayed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _generation;
    private int _relays;

    /// <summary>
    /// Gets a task that completes at the next pulse, and the pulses so far: take both before looking at the table, so that
    /// no pulse is missed and the round covers every pulse counted.
    /// </summary>
    public (Task Next, long Generation) Next
    {
        get
        {
            lock (_lock)
            {
                return (_next.Task, _generation);
            }
        }
    }

    /// <summary>Registers a relay; its rounds are then waited for by <see cref="WaitRelayedAsync"/>.</summary>
    /// <returns>The relay's number, for <see cref="Relayed"/>.</returns>
    public int Register()
    {
        lock (_lock)
        {
            var relay = ++_relays;
            _relayedThrough[relay] = -1;
            return relay;
        }
    }

    /// <summary>Unregisters a relay that stops.</summary>
    public void Unregister(int relay)
    {
        TaskCompletionSource relayed;
        lock (_lock)
        {
            _relayedThrough.Remove(relay);
            (relayed, _relayed) = (_relayed, new(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        relayed.TrySetResult();
    }

    /// <summary>Says that <paramref name="relay"/> ended a round (relayed, or failed) that began at <paramref name="generation"/>.</summary>
    public void Relayed(int relay, long generation)
    {
        TaskCompletionSource relayed;
        lock (_lock)
        {
            _relayedThrough[relay] = generation;
            (relayed, _relayed) = (_relayed, new(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        relayed.TrySetResult();
    }

    /// <summary>Wakes the relays; returns the pulse's number.</summary>
    public long Pulse()
    {
        TaskCompletionSource pulsed;
        long generation;
        lock (_lock)
        {
            generation = ++_generation;
            (pulsed, _next) = (_next, new(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        pulsed.TrySetResult();
        return generation;
    }

    /// <summary>Waits until every relay has ended a round that began at or after pulse <paramref name="generation"/>, or <paramref name="timeout"/> (real time) has passed.</summary>
    public async Task WaitRelayedAsync(long generation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_relayedThrough.Values.All(g => g >= generation))
                {
                    return;
                }

                changed = _relayed.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A relay that is slow (its queue unreachable) does not hold the commit: its next rounds carry the rows.
                return;
            }
        }
    }
}
