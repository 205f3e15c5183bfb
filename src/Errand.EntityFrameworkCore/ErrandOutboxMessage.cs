namespace Errand.EntityFrameworkCore;

/// <summary>A job written in the application's transaction, waiting to be relayed to its queue after commit.</summary>
/// <remarks>Mapped by <see cref="ErrandModelBuilderExtensions.AddErrandOutbox"/>; the application never needs to read or write it.</remarks>
public sealed class ErrandOutboxMessage
{
    /// <summary>Gets or sets the message's identifier (32 hexadecimal digits), also stored in the job's <c>meta</c> so that a relay never enqueues it twice.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets the name of the job's queue.</summary>
    public string Queue { get; set; } = string.Empty;

    /// <summary>Gets or sets the job's key.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary>Gets or sets the job document (JSON, the same document a queue stores).</summary>
    public string Document { get; set; } = string.Empty;

    /// <summary>Gets or sets when the job was written, in Unix milliseconds; the relay goes in this order.</summary>
    public long CreatedMs { get; set; }
}
