using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>The read side: jobs by key, counts and pages of jobs.</content>
public sealed partial class RedisQueueBackend
{
    private const int ScanPageSize = 1000;
    private const int MarkerScanPageSize = 10_000;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<Job?> GetJobAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        await SendPending().ConfigureAwait(false);
        var id = RedisJobIds.For(QueueName, key);
        byte[]? document;
        try
        {
            document = (byte[]?)await _db.StringGetAsync(id).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        return document is null ? null : JobDocument.Deserialize(document, RedisJobIds.KeyOf(QueueName, id) ?? id, QueueName);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IReadOnlyList<Job?>> GetJobsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        await SendPending().ConfigureAwait(false);
        try
        {
            var ids = keys.Select(key => RedisJobIds.For(QueueName, key)).ToArray();
            return ReadAll(ids, await GetDocumentsAsync(ids).ConfigureAwait(false));
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<QueueCounts> CountAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await SendPending().ConfigureAwait(false);
        try
        {
            var queued = _db.ListLengthAsync(_keys.Queued);
            var held = _db.HashLengthAsync(_keys.HeldBy);
            var active = _db.ListLengthAsync(_keys.Active);
            var scheduled = _db.SortedSetLengthAsync(_keys.Incomplete, 1, double.PositiveInfinity);
            var incomplete = _db.SortedSetLengthAsync(_keys.Incomplete);
            var retrying = _db.SetLengthAsync(_keys.Retrying);
            return new QueueCounts(
                await queued.ConfigureAwait(false) + await held.ConfigureAwait(false),
                await active.ConfigureAwait(false),
                await scheduled.ConfigureAwait(false),
                await incomplete.ConfigureAwait(false),
                await retrying.ConfigureAwait(false));
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Queued jobs are the ready list (next to run first) followed by the scheduled ones (soonest first); active jobs
    /// are the active list (oldest first); aborting jobs are those with an abort marker (<c>saq:abort:KEY</c>, found by
    /// SCAN over key names: no job document is read but theirs) or in the active list. Complete, failed and aborted jobs are paged from Errand's index
    /// (<c>errand:QUEUE:finished:STATUS</c>, a sorted set by completion time, newest first) in one script that reads
    /// only the page: O(log n + page) however many jobs are kept. Every read is read-only: entries whose document has
    /// expired or whose key was enqueued again are skipped, not removed (a page may be short; its total leaves out the
    /// ones it skipped), so the total may count jobs expired past the page until the next sweep round prunes them. Jobs finished by another library (Python
    /// SAQ) are not in the index: <see cref="JobQuery.ScanUnindexed"/> finds them, and adds them to the index (the one
    /// read that writes: an explicit action, never a page's refresh). That path, and all jobs or new ones, use SCAN
    /// over <c>saq:job:QUEUE:*</c>, which reads every job document of the queue on each call: O(jobs kept).
    /// Scanned pages are sorted newest first (finished jobs by completion, others by enqueue time).
    /// </remarks>
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit, nameof(query));
        cancellationToken.ThrowIfCancellationRequested();
        await SendPending().ConfigureAwait(false);
        try
        {
            return query.Status switch
            {
                JobStatus.Queued => await ListQueuedAsync(query.Offset, query.Limit).ConfigureAwait(false),
                JobStatus.Active => await ListActiveAsync(query.Offset, query.Limit).ConfigureAwait(false),
                JobStatus.Aborting => await ListAbortingAsync(query.Offset, query.Limit, cancellationToken).ConfigureAwait(false),
                { } status when status.IsFinished() && !query.ScanUnindexed =>
                    await ListFinishedAsync(status, query.Offset, query.Limit).ConfigureAwait(false),
                _ => await ListScannedAsync(query.Status, query.Offset, query.Limit, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async Task<JobPage> ListQueuedAsync(int offset, int limit)
    {
        var readyCount = _db.ListLengthAsync(_keys.Queued);
        var scheduledCount = _db.SortedSetLengthAsync(_keys.Incomplete, 1, double.PositiveInfinity);
        var ready = await readyCount.ConfigureAwait(false);
        var total = ready + await scheduledCount.ConfigureAwait(false);
        if (limit == 0 || offset >= total)
        {
            return new JobPage([], total);
        }

        var ids = new List<string>(limit);
        if (offset < ready)
        {
            var page = await _db.ListRangeAsync(_keys.Queued, offset, Math.Min(ready, (long)offset + limit) - 1).ConfigureAwait(false);
            ids.AddRange(page.Select(v => (string)v!));
        }

        if (ids.Count < limit)
        {
            var skip = Math.Max(0, offset - ready);
            var page = await _db.SortedSetRangeByScoreAsync(_keys.Incomplete, 1, double.PositiveInfinity, skip: skip, take: limit - ids.Count).ConfigureAwait(false);
            ids.AddRange(page.Select(v => (string)v!));
        }

        return await PageOfAsync(ids, total).ConfigureAwait(false);
    }

    private async Task<JobPage> ListActiveAsync(int offset, int limit)
    {
        var countTask = _db.ListLengthAsync(_keys.Active);
        var pageTask = limit == 0 ? Task.FromResult(Array.Empty<RedisValue>()) : _db.ListRangeAsync(_keys.Active, offset, (long)offset + limit - 1);
        var total = await countTask.ConfigureAwait(false);
        var ids = (await pageTask.ConfigureAwait(false)).Select(v => (string)v!).ToList();
        return await PageOfAsync(ids, total).ConfigureAwait(false);
    }

    // An aborting job is a running one whose worker has not stopped it yet. SAQ's abort takes it out of the active
    // list and leaves its abort marker (saq:abort:KEY, a few seconds) for the worker: the markers are found with SCAN,
    // which reads key names only, and the documents read are those of the marked keys and of the active list (as long
    // as the workers' concurrency), never every job of the queue.
    private async Task<JobPage> ListAbortingAsync(int offset, int limit, CancellationToken cancellationToken)
    {
        var active = _db.ListRangeAsync(_keys.Active);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var prefix = AbortMarkerPrefix;
        var pattern = RedisKeys.EscapeGlob(prefix) + "*";
        long cursor = 0;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reply = (RedisResult[])(await ScanAsync(cursor, pattern, MarkerScanPageSize).ConfigureAwait(false))!;
            cursor = (long)reply[0];
            foreach (var marker in (string[])reply[1]!)
            {
                ids.Add(RedisJobIds.For(QueueName, marker[prefix.Length..]));
            }
        }
        while (cursor != 0);

        ids.UnionWith((await active.ConfigureAwait(false)).Select(v => (string)v!));
        var all = ids.ToArray();
        var aborting = ReadAll(all, await GetDocumentsAsync(all).ConfigureAwait(false))
            .OfType<Job>()
            .Where(job => job.Status == JobStatus.Aborting)
            .OrderByDescending(job => job.Queued)
            .ThenBy(job => job.Key, StringComparer.Ordinal)
            .ToList();
        return new JobPage([.. aborting.Skip(offset).Take(limit)], aborting.Count);
    }

    private async Task<JobPage> ListFinishedAsync(JobStatus status, int offset, int limit)
    {
        var index = _keys.Finished(status);
        if (limit == 0)
        {
            return new JobPage([], await _db.SortedSetLengthAsync(index).ConfigureAwait(false));
        }

        var reply = (RedisResult[])(await _db.ScriptEvaluateAsync(
            RedisScripts.ListFinished,
            [index],
            [offset, limit, status.ToWire()]).ConfigureAwait(false))!;
        var ids = new string[(reply.Length - 1) / 2];
        var documents = new byte[]?[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = (string)reply[1 + (2 * i)]!;
            documents[i] = (byte[]?)reply[2 + (2 * i)];
        }

        return new JobPage([.. ReadAll(ids, documents).OfType<Job>()], (long)reply[0]);
    }

    private async Task<JobPage> PageOfAsync(List<string> ids, long total)
    {
        var jobs = ReadAll(ids, await GetDocumentsAsync(ids).ConfigureAwait(false));
        return new JobPage([.. jobs.OfType<Job>()], total);
    }

    private async Task<JobPage> ListScannedAsync(JobStatus? status, int offset, int limit, CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        long cursor = 0;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reply = (RedisResult[])(await ScanAsync(cursor, _keys.JobScanPattern, ScanPageSize).ConfigureAwait(false))!;
            cursor = (long)reply[0];
            foreach (var id in (string[])reply[1]!)
            {
                // The pattern also matches the jobs of a queue named "QUEUE:x"; their documents are refused below.
                if (RedisJobIds.KeyOf(QueueName, id) is not null)
                {
                    ids.Add(id);
                }
            }
        }
        while (cursor != 0);

        var all = ids.ToArray();
        var matching = ReadAll(all, await GetDocumentsAsync(all).ConfigureAwait(false))
            .OfType<Job>()
            .Where(job => status is null || job.Status == status)
            .OrderByDescending(job => job.Status.IsFinished() ? job.Completed : job.Queued)
            .ThenBy(job => job.Key, StringComparer.Ordinal)
            .ToList();
        await IndexScannedAsync(matching).ConfigureAwait(false);
        return new JobPage([.. matching.Skip(offset).Take(limit)], matching.Count);
    }

    // Adds finished jobs that the index lacks (finished by Python SAQ), so the fast path finds them from now on.
    private async Task IndexScannedAsync(List<Job> jobs)
    {
        var batch = _db.CreateBatch();
        var writes = new List<Task>();
        foreach (var job in jobs.Where(j => j.Status.IsFinished()))
        {
            writes.Add(batch.SortedSetAddAsync(_keys.Finished(job.Status), _keys.JobId(job.Key), job.Completed, SortedSetWhen.NotExists));
            if (job.Ttl > 0)
            {
                writes.Add(batch.SortedSetAddAsync(_keys.FinishedExpiry, _keys.JobId(job.Key), job.Completed + (job.Ttl * 1000L), SortedSetWhen.NotExists));
            }
        }

        if (writes.Count > 0)
        {
            batch.Execute();
            await Task.WhenAll(writes).ConfigureAwait(false);
        }
    }

    private Job?[] ReadAll(IReadOnlyList<string> ids, byte[]?[] documents)
    {
        var jobs = new Job?[ids.Count];
        for (var i = 0; i < jobs.Length; i++)
        {
            jobs[i] = TryRead(ids[i], documents[i], out var job, out _) ? job : null;
        }

        return jobs;
    }
}
