namespace Errand;

/// <summary>Thrown when a job did not finish within the time a caller waited for it.</summary>
public sealed class JobWaitTimeoutException : TimeoutException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="waited">How long the caller waited.</param>
    /// <param name="lastStatus">The last status seen.</param>
    public JobWaitTimeoutException(string key, TimeSpan waited, JobStatus? lastStatus)
        : base($"Job {key} did not finish within {waited.TotalSeconds:0.###} s (last status: {lastStatus?.ToWire() ?? "missing"}).")
    {
        Key = key;
        LastStatus = lastStatus;
    }

    /// <summary>Gets the job key.</summary>
    public string Key { get; }

    /// <summary>Gets the last status seen, or <see langword="null"/> when the job was not found.</summary>
    public JobStatus? LastStatus { get; }
}
