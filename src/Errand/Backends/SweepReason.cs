namespace Errand.Backends;

/// <summary>Why the sweeper took a job away from its worker.</summary>
public enum SweepReason
{
    /// <summary>The job is in the active list but its status is not <c>active</c>, for longer than the suspect grace.</summary>
    NotActive,

    /// <summary>It has run longer than its timeout.</summary>
    TimedOut,

    /// <summary>It has not been touched for longer than its heartbeat.</summary>
    HeartbeatMissed,

    /// <summary>It has neither timeout nor heartbeat and its worker stopped writing its worker info.</summary>
    WorkerGone,
}
