using Errand.Backends;

namespace Errand.Postgres;

/// <summary>An enqueue waiting to go out with the next batch of enqueues, in the order callers made them.</summary>
/// <param name="Job">The job, already marked queued.</param>
/// <param name="Document">The job's document, as stored.</param>
/// <param name="Priority">The <c>priority</c> column.</param>
/// <param name="Scheduled">The <c>scheduled</c> column: when the job is ready, in epoch seconds.</param>
/// <param name="NowMs">When the enqueue was made: an abort marker that lasts past it keeps the key from being enqueued.</param>
/// <param name="Future">Whether the job waits for a later time (no wake-up is sent).</param>
internal sealed record PendingEnqueue(Job Job, byte[] Document, short Priority, long Scheduled, long NowMs, bool Future)
{
    /// <summary>Gets the outcome, completed when the batch has been stored.</summary>
    public TaskCompletionSource<EnqueueResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
