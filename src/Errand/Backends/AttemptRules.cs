namespace Errand.Backends;

/// <summary>Tells whether a worker's write comes from the current attempt of a job; shared by every backend so that they refuse stale writes alike.</summary>
/// <remarks>
/// A job swept from a worker that still runs it is queued again and may be taken by another attempt; the old attempt's
/// finish, retry or update must then change nothing, neither the document nor the lists.
/// </remarks>
public static class AttemptRules
{
    /// <summary>Returns whether attempt <paramref name="attempt"/> may still write its job, stored with <paramref name="storedStatus"/> and <paramref name="storedAttempts"/>.</summary>
    /// <param name="storedStatus">The status stored now.</param>
    /// <param name="storedAttempts">The attempts stored now.</param>
    /// <param name="attempt">The attempts of the writer's copy (its attempt number).</param>
    /// <returns>
    /// <see langword="true"/> when the stored job is active or aborting with the same attempts, or queued or aborting one
    /// attempt behind: the attempt was taken and its active mark is not stored yet (an abort may have come meanwhile).
    /// </returns>
    public static bool IsCurrent(JobStatus storedStatus, int storedAttempts, int attempt) =>
        (storedStatus is JobStatus.Active or JobStatus.Aborting && storedAttempts == attempt)
        || (storedStatus is JobStatus.Queued or JobStatus.Aborting && storedAttempts == attempt - 1);
}
