namespace Errand.InMemory;

/// <content>Delete: an operator removes finished jobs.</content>
public sealed partial class InMemoryQueueBackend
{
    /// <inheritdoc />
    public Task<IReadOnlyList<string>> DeleteFinishedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        var deleted = new List<string>();
        lock (_gate)
        {
            var nowMs = NowMs();
            foreach (var key in keys.Distinct(StringComparer.Ordinal))
            {
                if (TryReadJob(key, nowMs) is { } job && job.Status.IsFinished())
                {
                    _documents.Remove(key);
                    _attempts.Remove(key);
                    _retrying.Remove(key);
                    deleted.Add(key);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(deleted);
    }
}
