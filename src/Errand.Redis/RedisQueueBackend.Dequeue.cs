using System.Globalization;
using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Dequeue: a Lua script takes the ready jobs; BLMOVE on a dedicated connection waits for the first when none is.</content>
public sealed partial class RedisQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired before any job was taken.</exception>
    public async Task<IReadOnlyList<Job>> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxJobs, 1, nameof(request));
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // A batch of corrupt documents yields no job: take again until the list is empty.
            while (true)
            {
                var taken = await TakeAsync(request.MaxJobs, alreadyMoved: null).ConfigureAwait(false);
                if (taken.Count == 0)
                {
                    break;
                }

                var jobs = await ReadTakenAsync(taken).ConfigureAwait(false);
                if (jobs.Count > 0)
                {
                    return await MarkActiveAsync(jobs, request.WorkerId).ConfigureAwait(false);
                }
            }

            if (request.Wait == TimeSpan.Zero)
            {
                return [];
            }

            var wait = request.Wait < TimeSpan.Zero || request.Wait > _options.MaxBlockingWait ? _options.MaxBlockingWait : request.Wait;
            var first = await BlockingMoveAsync(wait, cancellationToken).ConfigureAwait(false);
            if (first is null)
            {
                return [];
            }

            // From here a job has left the queued list: finish the work whatever the token says, so it is not lost.
            var rest = await TakeAsync(request.MaxJobs - 1, first).ConfigureAwait(false);
            return await MarkActiveAsync(await ReadTakenAsync(rest).ConfigureAwait(false), request.WorkerId).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async Task<List<(string Id, byte[]? Document)>> TakeAsync(int maxJobs, string? alreadyMoved)
    {
        var result = await _db.ScriptEvaluateAsync(
            RedisScripts.Dequeue,
            [_keys.Queued, _keys.Active],
            [maxJobs.ToString(CultureInfo.InvariantCulture), alreadyMoved ?? string.Empty]).ConfigureAwait(false);
        var pairs = (RedisResult[]?)result ?? [];
        var taken = new List<(string, byte[]?)>(pairs.Length / 2);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            taken.Add(((string)pairs[i]!, (byte[]?)pairs[i + 1]));
        }

        return taken;
    }

    private async Task<List<Job>> ReadTakenAsync(List<(string Id, byte[]? Document)> taken)
    {
        var jobs = new List<Job>(taken.Count);
        foreach (var (id, document) in taken)
        {
            if (TryRead(id, document, out var job, out var reason))
            {
                jobs.Add(job);
            }
            else
            {
                await QuarantineAsync(id, document, reason).ConfigureAwait(false);
            }
        }

        return jobs;
    }

    private async Task<IReadOnlyList<Job>> MarkActiveAsync(List<Job> jobs, string workerId)
    {
        if (jobs.Count == 0)
        {
            return jobs;
        }

        var now = NowMs;
        var batch = _db.CreateBatch();
        var writes = new List<Task<RedisResult>>(jobs.Count);
        foreach (var job in jobs)
        {
            job.Attempts++;
            job.Started = now;
            job.Touched = now;
            job.WorkerId = workerId;
            job.Status = JobStatus.Active;
            writes.Add(batch.ScriptEvaluateAsync(RedisScripts.Update, [job.Id], [JobDocument.Serialize(job), "active"]));
        }

        batch.Execute();
        await Task.WhenAll(writes).ConfigureAwait(false);

        // An abort that came between the move and this write is kept: the job never started, so it ends aborted here.
        var marked = new List<Job>(jobs.Count);
        for (var i = 0; i < jobs.Count; i++)
        {
            if ((byte[]?)writes[i].Result is { } stored)
            {
                var job = jobs[i];
                job.Attempts--;
                job.Started = 0;
                job.Error = JobDocument.ReadStatus(stored) is JobStatus.Aborting ? JobDocument.Deserialize(stored, job.Id, QueueName).Error : job.Error;
                await FinishAsync(job, JobStatus.Aborted, CancellationToken.None).ConfigureAwait(false);
                await _db.KeyDeleteAsync(RedisKeys.Abort(job.Key)).ConfigureAwait(false);
            }
            else
            {
                marked.Add(jobs[i]);
            }
        }

        return marked;
    }

    private bool TryRead(string id, byte[]? document, out Job job, out string? reason)
    {
        job = null!;
        if (document is null)
        {
            reason = null;
            return false;
        }

        try
        {
            job = JobDocument.Deserialize(document, id, QueueName);
            reason = null;
            return true;
        }
        catch (CorruptJobException ex)
        {
            reason = ex.Reason;
            return false;
        }
    }

    /// <summary>Takes an id whose document is missing (<paramref name="reason"/> null) or unreadable out of the queue; returns whether it did.</summary>
    private async Task<bool> QuarantineAsync(string id, byte[]? document, string? reason)
    {
        var done = (int)await _db.ScriptEvaluateAsync(
            RedisScripts.Quarantine,
            [_keys.Active, _keys.Incomplete, _keys.Corrupt, id],
            [document ?? []]).ConfigureAwait(false);
        if (done == 1)
        {
            if (document is null)
            {
                RedisLog.MissingJobRemoved(_logger, id, QueueName);
            }
            else
            {
                RedisLog.CorruptJobRemoved(_logger, id, QueueName, reason ?? "unreadable", _keys.Corrupt.ToString());
            }
        }

        return done == 1;
    }
}
