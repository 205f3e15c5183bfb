namespace Errand.Backends;

/// <summary>Judges an active job for the sweeper; shared by every backend so that they sweep alike.</summary>
public static class SweepRules
{
    /// <summary>Gets how long past its timeout a job of a live worker is left to that worker, which ends it itself, before it is swept: 5 seconds.</summary>
    public static readonly TimeSpan LiveWorkerTimeoutGrace = TimeSpan.FromSeconds(5);

    /// <summary>Returns why <paramref name="job"/>, found in the active list, should be swept, or <see langword="null"/> when it should not.</summary>
    /// <param name="job">The stored job.</param>
    /// <param name="nowMs">Now, in epoch milliseconds.</param>
    /// <param name="isWorkerAlive">Tells whether a worker id has live worker info.</param>
    /// <returns>The reason, or <see langword="null"/>.</returns>
    /// <remarks>
    /// <see cref="SweepReason.NotActive"/> and <see cref="SweepReason.WorkerGone"/> are suspicions: a worker may have
    /// taken the job an instant ago and not yet written its status, or be late writing its info. A backend sweeps such
    /// a job only when it is still a suspect after <see cref="SweepRequest.SuspectGrace"/>; see <see cref="IsSuspicion"/>.
    /// A job past its timeout is swept at once when its worker is gone, and after <see cref="LiveWorkerTimeoutGrace"/>
    /// more when its worker lives: that worker's own timeout ends it (failed or retried, with the timeout error), and
    /// the sweeper must not race it to the finish.
    /// </remarks>
    public static SweepReason? Judge(Job job, long nowMs, Func<string, bool> isWorkerAlive)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(isWorkerAlive);
        if (job.Status != JobStatus.Active)
        {
            return SweepReason.NotActive;
        }

        if (job.Timeout > 0 && job.Started > 0 && nowMs - job.Started - (job.Timeout * 1000L) is > 0 and var overMs
            && (job.WorkerId is not { } owner || !isWorkerAlive(owner) || overMs > (long)LiveWorkerTimeoutGrace.TotalMilliseconds))
        {
            return SweepReason.TimedOut;
        }

        if (job.Heartbeat > 0 && nowMs - Math.Max(job.Touched, job.Started) > job.Heartbeat * 1000L)
        {
            return SweepReason.HeartbeatMissed;
        }

        if (job.Timeout == 0 && job.Heartbeat == 0 && job.WorkerId is { } worker && !isWorkerAlive(worker))
        {
            return SweepReason.WorkerGone;
        }

        return null;
    }

    /// <summary>Returns whether <paramref name="reason"/> must hold for the suspect grace before the job is swept.</summary>
    /// <param name="reason">The reason from <see cref="Judge"/>.</param>
    /// <returns><see langword="true"/> for <see cref="SweepReason.NotActive"/> (a job just taken is still marked queued) and for <see cref="SweepReason.WorkerGone"/>.</returns>
    public static bool IsSuspicion(SweepReason reason) => reason is SweepReason.NotActive or SweepReason.WorkerGone;
}
