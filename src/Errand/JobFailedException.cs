namespace Errand;

/// <summary>Thrown by <see cref="IQueue.ApplyAsync{TResult}(string, object?, JobOptions?, CancellationToken)"/> when the job failed or was aborted.</summary>
public sealed class JobFailedException : ErrandException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="job">The finished job.</param>
    public JobFailedException(Job job)
        : base($"Job {job?.Key} ({job?.Function}) ended {job?.Status.ToWire()}: {FirstLine(job?.Error)}")
    {
        ArgumentNullException.ThrowIfNull(job);
        Job = job;
    }

    /// <summary>Gets the finished job, with its stored error.</summary>
    public Job Job { get; }

    /// <summary>Gets the stored error text (with the remote stack trace), if any.</summary>
    public string? Error => Job.Error;

    /// <summary>Gets how the job ended: <see cref="JobStatus.Failed"/> or <see cref="JobStatus.Aborted"/>.</summary>
    public JobStatus Status => Job.Status;

    private static string FirstLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "(no error text)";
        }

        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? text : text[..end].TrimEnd();
    }
}
