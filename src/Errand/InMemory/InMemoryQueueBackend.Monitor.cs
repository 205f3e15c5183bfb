using Errand.Backends;

namespace Errand.InMemory;

/// <content>The read side: jobs, counts, pages, and worker infos.</content>
public sealed partial class InMemoryQueueBackend
{
    /// <inheritdoc />
    public Task<Job?> GetJobAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            return Task.FromResult(ReadJob(key, NowMs()));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Job?>> GetJobsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            var jobs = new Job?[keys.Count];
            for (var i = 0; i < keys.Count; i++)
            {
                jobs[i] = TryReadJob(keys[i], nowMs);
            }

            return Task.FromResult<IReadOnlyList<Job?>>(jobs);
        }
    }

    /// <inheritdoc />
    public Task<QueueCounts> CountAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var scheduled = _incomplete.Values.Count(score => score > 0);
            var retrying = _retrying.Count(_incomplete.ContainsKey);
            return Task.FromResult(new QueueCounts(_queued.Count + HeldCount, _active.Count, scheduled, _incomplete.Count, retrying));
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Unfinished jobs come first, then the most recently enqueued; finished jobs of one status are the most recently
    /// completed first. The total is exact. Active and aborting jobs are read from the active list and the abort markers; any other status reads
    /// every job: fine for the sizes this backend is for.
    /// </remarks>
    public Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            if (query.Status == JobStatus.Queued)
            {
                return Task.FromResult(ListQueued(query, nowMs));
            }

            // Active jobs are in the active list; an aborting one left it and has an abort marker until its worker stops it.
            var matching = new List<Job>();
            var candidates = query.Status switch
            {
                JobStatus.Active => _active.Distinct(StringComparer.Ordinal).ToList(),
                JobStatus.Aborting => _abortMarkers.Keys.Union(_active, StringComparer.Ordinal).ToList(),
                _ => _documents.Keys.ToList(),
            };
            foreach (var key in candidates)
            {
                if (TryReadJob(key, nowMs) is { } job && (query.Status is null || job.Status == query.Status))
                {
                    matching.Add(job);
                }
            }

            var page = matching
                .OrderBy(job => job.Status.IsFinished())
                .ThenByDescending(job => query.Status is { } s && s.IsFinished() ? job.Completed : job.Queued)
                .ThenBy(job => job.Key, StringComparer.Ordinal)
                .Skip(query.Offset)
                .Take(query.Limit)
                .ToList();
            return Task.FromResult(new JobPage(page, matching.Count));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<WorkerInfo>> GetWorkersAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            var workers = new List<WorkerInfo>();
            foreach (var (workerId, entry) in _workers.OrderBy(w => w.Key, StringComparer.Ordinal).ToList())
            {
                if (entry.ExpiresAtMs <= nowMs)
                {
                    _workers.Remove(workerId);
                }
                else if (WorkerInfoDocument.Deserialize(workerId, entry.Document) is { } info)
                {
                    workers.Add(info with { LastSeen = DateTimeOffset.FromUnixTimeMilliseconds(entry.WrittenAtMs) });
                }
            }

            return Task.FromResult<IReadOnlyList<WorkerInfo>>(workers);
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The worker key is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is not positive.</exception>
    public Task WriteWorkerInfoAsync(WorkerInfo info, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(info);
        CheckWorkerId(info.WorkerId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var nowMs = NowMs();
            _workers[info.WorkerId] = (WorkerInfoDocument.Serialize(info), nowMs + (long)ttl.TotalMilliseconds, nowMs);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RemoveWorkerInfoAsync(string workerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workerId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            _workers.Remove(workerId);
        }

        return Task.CompletedTask;
    }

    // As Redis pages them: the ready list (next first), then the scheduled ones (soonest first).
    private JobPage ListQueued(JobQuery query, long nowMs)
    {
        var keys = _queued.Concat(_heldForSlot.Values.SelectMany(list => list)).Concat(_heldTimed.Keys).Concat(_incomplete.Where(e => e.Value > 0).OrderBy(e => e.Value).Select(e => e.Key)).ToList();
        var page = keys.Skip(query.Offset).Take(query.Limit).Select(key => TryReadJob(key, nowMs)).OfType<Job>().ToList();
        return new JobPage(page, keys.Count);
    }

    // An key may hold ':', as SAQ allows ("host:1"), and as the Redis backend reads it.
    private static void CheckWorkerId(string workerId) => ArgumentException.ThrowIfNullOrEmpty(workerId);

    private bool IsWorkerAlive(string workerId, long nowMs) =>
        _workers.TryGetValue(workerId, out var entry) && entry.ExpiresAtMs > nowMs;
}
