namespace Errand.Backends;

/// <summary>Asks for a page of a queue's jobs.</summary>
/// <param name="Status">Only jobs with this status; <see langword="null"/> for every stored job.</param>
/// <param name="Offset">How many matching jobs to skip.</param>
/// <param name="Limit">The most jobs to return.</param>
public sealed record JobQuery(JobStatus? Status = null, int Offset = 0, int Limit = 50)
{
    /// <summary>Gets whether a page of finished jobs also looks for jobs the backend has not indexed, by reading every stored job.</summary>
    /// <value>The default is <see langword="false"/>: finished jobs are paged from the backend's own index.</value>
    /// <remarks>
    /// A backend may keep an index of finished jobs (Redis: <c>errand:QUEUE:finished:STATUS</c>) that only its own
    /// writes maintain; jobs finished by another library on the same store (Python SAQ) are then missing from it.
    /// Setting this finds them too, at a cost proportional to every job kept, and may add them to the index.
    /// </remarks>
    public bool ScanUnindexed { get; init; }
}
