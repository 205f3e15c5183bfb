namespace Errand;

/// <summary>Thrown when an operator's retry is refused because the job is still waiting or running: retrying it would run a second copy.</summary>
public sealed class JobNotRetryableException : ErrandException
{
    /// <summary>Initializes the exception for job <paramref name="key"/>, stored as <paramref name="status"/>.</summary>
    /// <param name="key">The job key.</param>
    /// <param name="status">The stored status.</param>
    public JobNotRetryableException(string key, JobStatus status)
        : base($"Job {key} is {status.ToWire()}: retrying it now would run a second copy. Retry a finished job, or force the retry of a job you know to be stuck (its worker gone).")
    {
        Key = key;
        Status = status;
    }

    /// <summary>Gets the job key.</summary>
    public string Key { get; }

    /// <summary>Gets the status the job had when the retry was refused.</summary>
    public JobStatus Status { get; }
}
