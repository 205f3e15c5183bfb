namespace Errand;

/// <summary>Describes where a job is in its life, with the same words SAQ stores.</summary>
public enum JobStatus
{
    /// <summary>Created, not yet enqueued (<c>new</c>).</summary>
    New,

    /// <summary>Waiting to run, now or at its scheduled time (<c>queued</c>).</summary>
    Queued,

    /// <summary>Taken by a worker and running (<c>active</c>).</summary>
    Active,

    /// <summary>Abort requested while it runs; the worker will stop it (<c>aborting</c>).</summary>
    Aborting,

    /// <summary>Ended by an abort (<c>aborted</c>).</summary>
    Aborted,

    /// <summary>Ended with an error after its last attempt (<c>failed</c>).</summary>
    Failed,

    /// <summary>Ended with a result (<c>complete</c>).</summary>
    Complete,
}
