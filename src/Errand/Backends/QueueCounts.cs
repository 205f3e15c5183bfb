namespace Errand.Backends;

/// <summary>How many jobs a queue holds, by state.</summary>
/// <param name="Queued">Ready to run, waiting for a worker.</param>
/// <param name="Active">Taken by a worker.</param>
/// <param name="Scheduled">Waiting for their scheduled time or a retry delay.</param>
/// <param name="Incomplete">Every job not yet finished (queued, active and scheduled).</param>
/// <param name="Retrying">
/// Jobs not yet finished that the store retried after a failed attempt (a failure with retries left, or a sweep of a
/// lost worker's job): waiting for the retry, queued, running again or being aborted. A subset of
/// <paramref name="Incomplete"/>; a job leaves it when it finishes (complete, failed, aborted) or is deleted.
/// </param>
public sealed record QueueCounts(long Queued, long Active, long Scheduled, long Incomplete, long Retrying = 0);
