namespace Errand.Backends;

/// <summary>A page of jobs.</summary>
/// <param name="Jobs">The jobs of the page.</param>
/// <param name="Total">How many jobs match the query in all, when the engine can tell cheaply; otherwise -1.</param>
public sealed record JobPage(IReadOnlyList<Job> Jobs, long Total);
