namespace Errand.Redis;

/// <summary>A dequeue waiting for its cycle: up to <see cref="Count"/> ready ids, plus the document of one BLMOVE already moved.</summary>
internal sealed class PendingTake(int count, string? alreadyMoved)
{
    public int Count { get; } = count;

    public string? AlreadyMoved { get; } = alreadyMoved;

    public TaskCompletionSource<List<(string Id, byte[]? Document)>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
