using Errand.Backends;

namespace Errand;

/// <summary>A queue at a glance: counts, live workers and a page of jobs.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="Counts">The job counts.</param>
/// <param name="Workers">The live workers.</param>
/// <param name="Jobs">The first jobs of the queue (incomplete first).</param>
public sealed record QueueInfo(string Name, QueueCounts Counts, IReadOnlyList<WorkerInfo> Workers, IReadOnlyList<Job> Jobs)
{
    /// <summary>Gets whether the queue is paused (<see cref="Queue.PauseAsync"/>): its Errand workers take no job.</summary>
    public bool Paused { get; init; }
}
