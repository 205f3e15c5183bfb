namespace Errand.Redis;

/// <summary>What one call of the cycle script carries: active marks (id, document), finishes and takes.</summary>
internal sealed class CycleBatch
{
    public List<(string Id, byte[] Document)> Marks { get; } = [];

    public List<PendingFinish> Finishes { get; } = [];

    public List<PendingTake> Takes { get; } = [];

    /// <summary>Gets the ids of the finishing jobs whose mark came in this batch too (see <see cref="FoldMarksIntoFinishes"/>).</summary>
    public HashSet<string>? MarkedAndFinished { get; private set; }

    public bool IsEmpty => Marks.Count == 0 && Finishes.Count == 0 && Takes.Count == 0;

    /// <summary>Takes out the marks of jobs that finish in this batch: such a job is never written active (nobody could read it between the two in one atomic call), its finish publishes 'active' before its outcome.</summary>
    /// <remarks>With short jobs that is nearly every mark: each one sent was an id, a document and a reply entry more for Redis to copy (about 5% of its instructions per job, by bench/redis-instructions.sh).</remarks>
    public void FoldMarksIntoFinishes()
    {
        if (Marks.Count == 0 || Finishes.Count == 0)
        {
            return;
        }

        var finishing = new HashSet<string>(Finishes.Count, StringComparer.Ordinal);
        foreach (var finish in Finishes)
        {
            finishing.Add(finish.Id);
        }

        var folded = new HashSet<string>(StringComparer.Ordinal);
        Marks.RemoveAll(mark => finishing.Contains(mark.Id) && folded.Add(mark.Id));
        MarkedAndFinished = folded.Count > 0 ? folded : null;
    }
}
