using Errand.Backends;

namespace Errand.Postgres;

/// <summary>An enqueue waiting to go out with the next batch of enqueues, in the order callers made them.</summary>
/// <param name="Job">The job, already marked queued.</param>
/// <param name="Values">The statement's parameters.</param>
/// <param name="Future">Whether the job waits for a later time (no wake-up is sent).</param>
internal sealed record PendingEnqueue(Job Job, object?[] Values, bool Future)
{
    /// <summary>Gets the outcome, completed when the batch has been stored.</summary>
    public TaskCompletionSource<EnqueueResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
