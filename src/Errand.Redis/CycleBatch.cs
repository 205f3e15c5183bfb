namespace Errand.Redis;

/// <summary>What one call of the cycle script carries: active marks (id, document), finishes and takes.</summary>
internal sealed class CycleBatch
{
    public List<(string Id, byte[] Document)> Marks { get; } = [];

    public List<PendingFinish> Finishes { get; } = [];

    public List<PendingTake> Takes { get; } = [];

    public bool IsEmpty => Marks.Count == 0 && Finishes.Count == 0 && Takes.Count == 0;

}
