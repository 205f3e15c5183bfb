namespace Errand.Redis;

/// <summary>The documents of one running attempt as this backend last stored them, so that its finish can be checked by one comparison.</summary>
/// <remarks>
/// The cycle script stores a finish only while the attempt is the job's current one. When the stored document is
/// still the one this attempt took (its mark not yet stored) or last wrote (its mark, or its last heartbeat), that is
/// certain from one string comparison; only otherwise (an abort, another process's write) does the script decode it.
/// </remarks>
internal sealed class AttemptDocuments(byte[] taken, byte[] written)
{
    /// <summary>Gets the document as it was when the attempt took the job.</summary>
    public byte[] Taken { get; } = taken;

    /// <summary>Gets or sets the document this attempt last wrote: its active mark, then its updates.</summary>
    public byte[] Written
    {
        get => Volatile.Read(ref field);
        set => Volatile.Write(ref field, value);
    } = written;
}
