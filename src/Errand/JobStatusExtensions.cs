namespace Errand;

/// <summary>Converts <see cref="JobStatus"/> to and from the words stored in SAQ's format.</summary>
public static class JobStatusExtensions
{
    /// <summary>Returns the stored word for <paramref name="status"/> (<c>queued</c>, <c>active</c>, ...).</summary>
    /// <param name="status">The status.</param>
    /// <returns>The lower-case word SAQ writes.</returns>
    public static string ToWire(this JobStatus status) => status switch
    {
        JobStatus.New => "new",
        JobStatus.Queued => "queued",
        JobStatus.Active => "active",
        JobStatus.Aborting => "aborting",
        JobStatus.Aborted => "aborted",
        JobStatus.Failed => "failed",
        JobStatus.Complete => "complete",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown job status."),
    };

    /// <summary>Returns whether a job in <paramref name="status"/> has ended (complete, failed or aborted).</summary>
    /// <param name="status">The status.</param>
    /// <returns><see langword="true"/> for a terminal status.</returns>
    public static bool IsFinished(this JobStatus status) =>
        status is JobStatus.Complete or JobStatus.Failed or JobStatus.Aborted;

    /// <summary>Parses a stored status word.</summary>
    /// <param name="value">The word, such as <c>queued</c>.</param>
    /// <param name="status">The status, when the word is known.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> names a status.</returns>
    public static bool TryParseWire(ReadOnlySpan<char> value, out JobStatus status)
    {
        switch (value)
        {
            case "new": status = JobStatus.New; return true;
            case "queued": status = JobStatus.Queued; return true;
            case "active": status = JobStatus.Active; return true;
            case "aborting": status = JobStatus.Aborting; return true;
            case "aborted": status = JobStatus.Aborted; return true;
            case "failed": status = JobStatus.Failed; return true;
            case "complete": status = JobStatus.Complete; return true;
            default: status = default; return false;
        }
    }
}
