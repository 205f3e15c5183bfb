namespace Errand.Postgres;

/// <summary>A change of one job decided on its locked row, waiting for the next batch of row changes.</summary>
/// <param name="Key">The job key.</param>
/// <param name="Decide">Judges the row (or its absence) and adds the commands that store the decision; returns the caller's result.</param>
internal sealed record PendingRowChange(string Key, Func<StoredRow?, PostgresQueueBackend.RowWrites, object?> Decide)
{
    /// <summary>Gets the caller's result, completed once the decision is committed.</summary>
    public TaskCompletionSource<object?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
