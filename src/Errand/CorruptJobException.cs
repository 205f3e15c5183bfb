namespace Errand;

/// <summary>Thrown when a stored job document cannot be read: not JSON, a missing field, or another queue's job.</summary>
public sealed class CorruptJobException : ErrandException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="jobKey">The key of the job whose document it is, when known.</param>
    /// <param name="reason">What is wrong with it.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public CorruptJobException(string? jobKey, string reason, Exception? innerException = null)
        : base($"The document of job {jobKey ?? "(unknown key)"} is corrupt: {reason}", innerException)
    {
        JobKey = jobKey;
        Reason = reason;
    }

    /// <summary>Gets the key of the job whose document it is, when known.</summary>
    public string? JobKey { get; }

    /// <summary>Gets what is wrong with the document.</summary>
    public string Reason { get; }
}
