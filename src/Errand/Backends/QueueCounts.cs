namespace Errand.Backends;

/// <summary>How many jobs a queue holds, by state.</summary>
/// <param name="Queued">Ready to run, waiting for a worker.</param>
/// <param name="Active">Taken by a worker.</param>
/// <param name="Scheduled">Waiting for their scheduled time or a retry delay.</param>
/// <param name="Incomplete">Every job not yet finished (queued, active and scheduled).</param>
public sealed record QueueCounts(long Queued, long Active, long Scheduled, long Incomplete);
