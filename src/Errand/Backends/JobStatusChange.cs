namespace Errand.Backends;

/// <summary>One published status change.</summary>
/// <param name="Key">The job key.</param>
/// <param name="Status">The new status.</param>
public readonly record struct JobStatusChange(string Key, JobStatus Status);
