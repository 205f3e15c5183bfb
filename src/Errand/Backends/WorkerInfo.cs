using System.Text.Json;

namespace Errand.Backends;

/// <summary>What a worker says of itself (SAQ's worker-info document).</summary>
/// <param name="WorkerId">The worker id; it may contain <c>:</c>, as SAQ allows (<c>host:1</c>).</param>
/// <param name="Queue">The queue it works.</param>
/// <param name="Stats">Its counters.</param>
/// <param name="Metadata">Free metadata (host, process id, ...), or <see langword="null"/>.</param>
public sealed record WorkerInfo(string WorkerId, string Queue, WorkerStats Stats, JsonElement? Metadata)
{
    /// <summary>Gets or sets when this info was written or read, if known.</summary>
    public DateTimeOffset? LastSeen { get; init; }
}
