namespace Errand.Backends;

/// <summary>Asks for a page of a queue's jobs.</summary>
/// <param name="Status">Only jobs with this status; <see langword="null"/> for every stored job.</param>
/// <param name="Offset">How many matching jobs to skip.</param>
/// <param name="Limit">The most jobs to return.</param>
public sealed record JobQuery(JobStatus? Status = null, int Offset = 0, int Limit = 50);
