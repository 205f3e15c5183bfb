namespace Errand.Backends;

/// <summary>Tells what an enqueue did.</summary>
/// <param name="Job">The stored job: the one enqueued, or the one that already held the key.</param>
/// <param name="Enqueued"><see langword="true"/> when the job was written; <see langword="false"/> when its key was incomplete or being aborted.</param>
public sealed record EnqueueResult(Job Job, bool Enqueued);
