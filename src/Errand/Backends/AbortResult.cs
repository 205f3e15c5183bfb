namespace Errand.Backends;

/// <summary>What an abort did, decided by the job's stored state at that moment.</summary>
public enum AbortResult
{
    /// <summary>No job is stored under the key; nothing changed.</summary>
    NotFound,

    /// <summary>The job had already finished (complete, failed or aborted); nothing changed.</summary>
    AlreadyFinished,

    /// <summary>The job was waiting (queued, scheduled or waiting for a retry) and is now aborted.</summary>
    Aborted,

    /// <summary>The job is running; it is now aborting, and its worker stops it and ends it aborted.</summary>
    Aborting,
}
