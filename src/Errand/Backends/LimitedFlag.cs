namespace Errand.Backends;

/// <summary>
/// Whether a queue has limits or holds, as a backend's process last saw: its dequeues judge jobs only while it is set.
/// A read of the store that began before one of this process's own writes of limits or a hold is stale, and does not
/// change the flag: a schedule tick that read "none" just before a handler's hold would otherwise clear it, and the
/// held key's next job would be taken unjudged (CI at 90710b3 on PostgreSQL, at e9e52c1 on Redis).
/// </summary>
internal sealed class LimitedFlag
{
    private readonly Lock _gate = new();
    private long _writes;
    private volatile bool _value;

    /// <summary>Gets whether the queue has limits or holds.</summary>
    public bool Value => _value;

    /// <summary>Gets a mark to take before a read of the store, for <see cref="SetFromRead"/>.</summary>
    public long BeforeRead()
    {
        lock (_gate)
        {
            return _writes;
        }
    }

    /// <summary>Stores what a read found, unless this process wrote limits or a hold since the read began.</summary>
    /// <param name="limited">What the read found.</param>
    /// <param name="mark">What <see cref="BeforeRead"/> returned before the read.</param>
    public void SetFromRead(bool limited, long mark)
    {
        lock (_gate)
        {
            if (_writes == mark)
            {
                _value = limited;
            }
        }
    }

    /// <summary>Records that this process wrote limits or a hold; <paramref name="limited"/> is the flag after it, when known.</summary>
    public void Wrote(bool? limited)
    {
        lock (_gate)
        {
            _writes++;
            if (limited is { } value)
            {
                _value = value;
            }
        }
    }
}
