namespace Errand.Backends;

/// <summary>One attempt of a job: when a worker took it, when it ended, and how.</summary>
/// <param name="Attempt">The attempt's number: the job's <see cref="Job.Attempts"/> while it ran, from 1.</param>
/// <param name="Started">When the worker took the job (UTC); <see langword="null"/> when the job was never marked started.</param>
/// <param name="Ended">When the attempt ended (UTC).</param>
/// <param name="WorkerId">The worker that ran it, when known.</param>
/// <param name="Outcome">How it ended: <see cref="JobStatus.Complete"/>, <see cref="JobStatus.Failed"/>, <see cref="JobStatus.Aborted"/>, or <see cref="JobStatus.Queued"/> when the job was queued again for another attempt.</param>
/// <param name="Error">The attempt's error (a stack trace, a reason), or <see langword="null"/>.</param>
public sealed record JobAttempt(int Attempt, DateTimeOffset? Started, DateTimeOffset Ended, string? WorkerId, JobStatus Outcome, string? Error)
{
    /// <summary>Gets how many attempts a backend keeps per job at most: the most recent ones.</summary>
    public const int MaxKept = 25;

    /// <summary>Returns the record of the attempt <paramref name="job"/> ends now, as <paramref name="outcome"/>.</summary>
    /// <param name="job">The job, as its worker (or the sweeper) ends the attempt: its attempts, started time, worker and error as they are.</param>
    /// <param name="outcome">How it ends.</param>
    /// <param name="endedMs">When, in epoch milliseconds.</param>
    /// <returns>The record.</returns>
    public static JobAttempt Of(Job job, JobStatus outcome, long endedMs)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new JobAttempt(
            job.Attempts,
            job.Started > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(job.Started) : null,
            DateTimeOffset.FromUnixTimeMilliseconds(endedMs),
            job.WorkerId,
            outcome,
            outcome == JobStatus.Complete ? null : job.Error);
    }
}
