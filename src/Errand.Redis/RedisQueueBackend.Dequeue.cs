using Errand.Backends;

namespace Errand.Redis;

/// <content>Dequeue: the cycle script takes the ready jobs; BLMOVE on a dedicated connection waits for the first when none is.</content>
public sealed partial class RedisQueueBackend
{
    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired before any job was taken.</exception>
    public Task<IReadOnlyList<Job>> DequeueAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxJobs, 1, nameof(request));
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<Job>>(cancellationToken);
        }

        // Continuations run where the result is set: the worker starts the jobs on the thread that read them.
        var result = new TaskCompletionSource<IReadOnlyList<Job>>();
        _ = DequeueAndHandOverAsync(request, result, cancellationToken);
        return result.Task;
    }

    // The worker goes on inside SetResult: it starts the jobs and, when it has slots left, takes again, and that take
    // carries the jobs' marks. Only when it has not (every slot busy) does the timer send them, armed once it is back
    // here: arming wakes the timer thread, which is not to stand between a job and its start.
    private async Task DequeueAndHandOverAsync(DequeueRequest request, TaskCompletionSource<IReadOnlyList<Job>> result, CancellationToken cancellationToken)
    {
        List<Job> jobs;
        try
        {
            jobs = await TakeAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            result.TrySetCanceled(ex.CancellationToken);
            return;
        }
        catch (Exception ex)
        {
            result.TrySetException(ex);
            return;
        }

        result.TrySetResult(jobs);
        if (jobs.Count > 0)
        {
            SendSoon();
        }
    }

    private async Task<List<Job>> TakeAsync(DequeueRequest request, CancellationToken cancellationToken)
    {
        try
        {
            // A batch of corrupt documents yields no job: take again until the list is empty.
            while (true)
            {
                var taken = await AddTake(request.MaxJobs, alreadyMoved: null).ConfigureAwait(false);
                if (taken.Count == 0)
                {
                    break;
                }

                var jobs = await ReadTakenAsync(taken).ConfigureAwait(false);
                if (jobs.Count > 0)
                {
                    return MarkActive(jobs, request.WorkerId);
                }
            }

            if (request.Wait == TimeSpan.Zero)
            {
                return [];
            }

            var wait = request.Wait < TimeSpan.Zero || request.Wait > _options.MaxBlockingWait ? _options.MaxBlockingWait : request.Wait;
            if (!_limitsChecked)
            {
                // Once, before the first wait: a new worker knows the queue's limits before its first BLMOVE.
                await RefreshLimitedAsync().ConfigureAwait(false);
                _limitsChecked = true;
            }

            if (Limited)
            {
                // A limited queue's job is judged by the take, never moved by the wait: the wait only wakes (BLMOVE of
                // the head onto itself) when a job is ready, or when a held job is due.
                await BlockingMoveAsync(await WaitBeforeDueAsync(wait).ConfigureAwait(false), cancellationToken, wakeOnly: true).ConfigureAwait(false);
                return MarkActive(await ReadTakenAsync(await AddTake(request.MaxJobs, alreadyMoved: null).ConfigureAwait(false)).ConfigureAwait(false), request.WorkerId);
            }

            var moved = await BlockingMoveAsync(wait, cancellationToken).ConfigureAwait(false);
            if (moved is not { } first)
            {
                return [];
            }

            // From here a job has left the queued list: finish the work whatever the token says, so it is not lost.
            // The job goes to the worker alone when its document came with the move: the lane takes the rest next.
            // On a queue that has limits (known since the wait began) the moved job is judged by the take.
            var withRest = first.Read && !Limited
                ? [(first.Id, first.Document)]
                : await AddTake(request.MaxJobs - 1, first.Id).ConfigureAwait(false);
            return MarkActive(await ReadTakenAsync(withRest).ConfigureAwait(false), request.WorkerId);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async Task<List<Job>> ReadTakenAsync(List<(string Id, byte[]? Document)> taken)
    {
        var jobs = new List<Job>(taken.Count);
        foreach (var (id, document) in taken)
        {
            if (document is { Length: 0 })
            {
                // Moved by the wait, then held by a limit: it waits out of the lists for its slot or its time.
                continue;
            }

            if (!TryRead(id, document, out var job, out var reason))
            {
                await QuarantineAsync(id, document, reason).ConfigureAwait(false);
            }
            else if (job.Status == JobStatus.Aborting)
            {
                // Aborted after it was queued and before it was taken: it never starts, and ends aborted here.
                await FinishAsync(job, JobStatus.Aborted, CancellationToken.None).ConfigureAwait(false);
                await _db.KeyDeleteAsync(AbortMarker(job.Key)).ConfigureAwait(false);
            }
            else
            {
                jobs.Add(job);
            }
        }

        return jobs;
    }

    // The jobs are handed to the worker at once; their active documents go in the next cycle call, before any other
    // command of this backend (DequeueAndHandOverAsync makes sure there is one). An abort that comes in between is
    // kept there, and the worker's abort check sees it.
    private List<Job> MarkActive(List<Job> jobs, string workerId)
    {
        if (jobs.Count == 0)
        {
            return jobs;
        }

        var now = NowMs;
        var marks = new List<(string Id, byte[] Document)>(jobs.Count);
        foreach (var job in jobs)
        {
            job.Attempts++;
            job.Started = now;
            job.Touched = now;
            job.WorkerId = workerId;
            job.Status = JobStatus.Active;
            var mark = (_keys.JobId(job.Key), JobDocument.Serialize(job));
            _written[job] = mark;
            marks.Add(mark);
        }

        AddMarks(marks);
        return jobs;
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
            job = JobDocument.Deserialize(document, RedisJobIds.KeyOf(QueueName, id) ?? id, QueueName);
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
        var done = (int)await EvaluateAsync(
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
