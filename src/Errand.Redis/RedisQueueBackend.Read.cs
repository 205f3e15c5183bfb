using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>The read side: jobs by key, counts and pages of jobs.</content>
public sealed partial class RedisQueueBackend
{
    private const int ScanPageSize = 1000;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<Job?> GetJobAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        cancellationToken.ThrowIfCancellationRequested();
        var id = JobIds.For(QueueName, key);
        byte[]? document;
        try
        {
            document = (byte[]?)await _db.StringGetAsync(id).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }

        return document is null ? null : JobDocument.Deserialize(document, id, QueueName);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IReadOnlyList<Job?>> GetJobsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var ids = keys.Select(key => JobIds.For(QueueName, key)).ToArray();
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
        try
        {
            var queued = _db.ListLengthAsync(_keys.Queued);
            var active = _db.ListLengthAsync(_keys.Active);
            var scheduled = _db.SortedSetLengthAsync(_keys.Incomplete, 1, double.PositiveInfinity);
            var incomplete = _db.SortedSetLengthAsync(_keys.Incomplete);
            return new QueueCounts(
                await queued.ConfigureAwait(false),
                await active.ConfigureAwait(false),
                await scheduled.ConfigureAwait(false),
                await incomplete.ConfigureAwait(false));
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Queued jobs are the ready list (next to run first) followed by the scheduled ones (soonest first); active jobs
    /// are the active list (oldest first). Both read only the page. Every other status, and all jobs, are found with
    /// SCAN over <c>saq:job:QUEUE:*</c>, which reads every job document of the queue (finished ones included) on
    /// each call: O(jobs kept) in time and memory, fine for a dashboard of thousands of jobs, not for millions.
    /// Those pages are sorted newest first (finished jobs by completion, others by enqueue time).
    /// </remarks>
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit, nameof(query));
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return query.Status switch
            {
                JobStatus.Queued => await ListQueuedAsync(query.Offset, query.Limit).ConfigureAwait(false),
                JobStatus.Active => await ListActiveAsync(query.Offset, query.Limit).ConfigureAwait(false),
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
            var reply = (RedisResult[])(await _db.ExecuteAsync("SCAN", cursor, "MATCH", _keys.JobScanPattern, "COUNT", ScanPageSize).ConfigureAwait(false))!;
            cursor = (long)reply[0];
            foreach (var id in (string[])reply[1]!)
            {
                // The pattern also matches the jobs of a queue named "QUEUE:x"; their documents are refused below.
                if (JobIds.KeyOf(QueueName, id) is not null)
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
        return new JobPage([.. matching.Skip(offset).Take(limit)], matching.Count);
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
