namespace Errand.Backends;

/// <summary>A job found by the sweeper, with why.</summary>
/// <param name="Job">The job as stored.</param>
/// <param name="Reason">Why it is swept.</param>
public sealed record SweptJob(Job Job, SweepReason Reason);
