namespace Errand.Backends;

/// <summary>How many attempts ended each way in one minute of a queue's recent history.</summary>
/// <param name="Minute">The start of the minute (UTC).</param>
/// <param name="Complete">Jobs that finished complete in that minute.</param>
/// <param name="Failed">Jobs that finished failed.</param>
/// <param name="Retried">Jobs put back in the queue (a worker's retry, the sweeper or an operator).</param>
/// <param name="Aborted">Jobs that finished aborted.</param>
public sealed record HistoryPoint(DateTimeOffset Minute, long Complete, long Failed, long Retried, long Aborted);
