namespace Errand;

/// <summary>Thrown when a stored job document cannot be read: not JSON, a missing field, or another queue's job.</summary>
public sealed class CorruptJobException : ErrandException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="jobId">The id the document was stored under, when known.</param>
    /// <param name="reason">What is wrong with it.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public CorruptJobException(string? jobId, string reason, Exception? innerException = null)
        : base($"The job document {jobId ?? "(unknown id)"} is corrupt: {reason}", innerException)
    {
        JobId = jobId;
        Reason = reason;
    }

    /// <summary>Gets the id the document was stored under, when known.</summary>
    public string? JobId { get; }

    /// <summary>Gets what is wrong with the document.</summary>
    public string Reason { get; }
}
