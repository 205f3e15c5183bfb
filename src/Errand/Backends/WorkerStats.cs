namespace Errand.Backends;

/// <summary>A worker's counters since it started, as written in its worker info.</summary>
/// <param name="Complete">Jobs that completed.</param>
/// <param name="Failed">Jobs that failed.</param>
/// <param name="Retried">Attempts that ended in a retry.</param>
/// <param name="Aborted">Jobs that were aborted.</param>
/// <param name="UptimeMs">Milliseconds since the worker started.</param>
public sealed record WorkerStats(long Complete, long Failed, long Retried, long Aborted, long UptimeMs);
