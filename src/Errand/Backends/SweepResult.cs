namespace Errand.Backends;

/// <summary>What a sweep round found.</summary>
/// <param name="Stuck">Jobs no live worker will finish, each with the reason; the caller aborts them and retries or ends them.</param>
/// <param name="Removed">Keys of jobs whose document was missing or corrupt, or which had already finished; their entries were taken out of the active list.</param>
public sealed record SweepResult(IReadOnlyList<SweptJob> Stuck, IReadOnlyList<string> Removed)
{
    /// <summary>Gets a result for a round that did not run (another process held the lock).</summary>
    public static SweepResult Empty { get; } = new([], []);
}
