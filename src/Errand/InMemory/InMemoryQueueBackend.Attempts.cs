using Errand.Backends;

namespace Errand.InMemory;

/// <content>The attempts of each job, kept with its document: gone when it expires or is deleted, cleared when a new job takes the key.</content>
public sealed partial class InMemoryQueueBackend
{
    // Job key -> its ended attempts, oldest first, at most JobAttempt.MaxKept.
    private readonly Dictionary<string, List<JobAttempt>> _attempts = new(StringComparer.Ordinal);

    // Keys of unfinished jobs the store retried after a failed attempt: added by a retry's record, removed when the job
    // finishes, is aborted, deleted, expires or is replaced (QueueCounts.Retrying).
    private readonly HashSet<string> _retrying = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<IReadOnlyList<JobAttempt>> GetAttemptsAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            PurgeExpired(nowMs);
            if (!TryGetDocument(key, nowMs, out _))
            {
                _attempts.Remove(key);
                return Task.FromResult<IReadOnlyList<JobAttempt>>([]);
            }

            return Task.FromResult<IReadOnlyList<JobAttempt>>(_attempts.TryGetValue(key, out var attempts) ? [.. attempts] : []);
        }
    }

    private void RecordAttempt(Job job, JobStatus outcome, long nowMs)
    {
        if (!_attempts.TryGetValue(job.Key, out var attempts))
        {
            attempts = [];
            _attempts[job.Key] = attempts;
        }

        attempts.Add(JobAttempt.Of(job, outcome, nowMs));
        if (outcome == JobStatus.Queued)
        {
            _retrying.Add(job.Key);
        }
        else
        {
            _retrying.Remove(job.Key);
        }

        if (attempts.Count > JobAttempt.MaxKept)
        {
            attempts.RemoveRange(0, attempts.Count - JobAttempt.MaxKept);
        }
    }
}
