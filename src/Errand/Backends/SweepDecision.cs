namespace Errand.Backends;

/// <summary>What becomes of a stuck job: queued again after a delay, or ended.</summary>
/// <param name="Status"><see cref="JobStatus.Queued"/> to retry it; <see cref="JobStatus.Failed"/> or <see cref="JobStatus.Aborted"/> to end it.</param>
/// <param name="RetryDelay">How long a retried job waits before it may run.</param>
public readonly record struct SweepDecision(JobStatus Status, TimeSpan RetryDelay)
{
    /// <summary>Returns a decision to queue the job again after <paramref name="delay"/>.</summary>
    /// <param name="delay">The delay.</param>
    /// <returns>The decision.</returns>
    public static SweepDecision Retry(TimeSpan delay) => new(JobStatus.Queued, delay);

    /// <summary>Returns a decision to end the job as <paramref name="status"/>.</summary>
    /// <param name="status">Failed or aborted.</param>
    /// <returns>The decision.</returns>
    public static SweepDecision End(JobStatus status) => new(status, TimeSpan.Zero);
}
