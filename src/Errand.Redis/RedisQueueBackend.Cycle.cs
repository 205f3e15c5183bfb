using StackExchange.Redis;

namespace Errand.Redis;

/// <content>
/// The worker's hot path in one script call per round trip: marks, finishes and takes that come while a call is on its
/// way go together in the next one. Under load that is one round trip for many jobs; alone, no wait is added.
/// </content>
/// <remarks>
/// A mark is accepted without waiting (the job's function starts at once), so every other command of this backend
/// first sends the marks still pending (<see cref="SendPending"/>): no later write of the job can be overtaken by its
/// mark, and a read returns only after the marks of earlier dequeues are stored.
/// </remarks>
public sealed partial class RedisQueueBackend
{
    private readonly Lock _cycleLock = new();
    private CycleBatch _pending = new();
    private bool _cycling;

    private void AddMarks(List<Job> jobs, List<byte[]> documents)
    {
        lock (_cycleLock)
        {
            for (var i = 0; i < jobs.Count; i++)
            {
                _pending.Marks.Add((jobs[i].Id, documents[i]));
            }
        }

        // Deferred: the worker runs the functions it just took before it yields, and their finishes join this call.
        StartCycle(deferred: true);
    }

    private Task AddFinish(PendingFinish finish)
    {
        lock (_cycleLock)
        {
            _pending.Finishes.Add(finish);
        }

        // Deferred: a worker often ends several jobs in a row (a batch of no-op jobs), and they all go in one call.
        StartCycle(deferred: true);
        return finish.Done.Task;
    }

    private Task<List<(string Id, byte[]? Document)>> AddTake(int count, string? alreadyMoved)
    {
        var take = new PendingTake(count, alreadyMoved);
        lock (_cycleLock)
        {
            _pending.Takes.Add(take);
        }

        // At once: the caller waits for nothing else.
        StartCycle(deferred: false);
        return take.Done.Task;
    }

    private void StartCycle(bool deferred)
    {
        lock (_cycleLock)
        {
            if (_cycling || _pending.IsEmpty)
            {
                return;
            }

            _cycling = true;
        }

        if (deferred)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static backend => _ = backend.CycleAsync(), this, preferLocal: false);
        }
        else
        {
            _ = CycleAsync();
        }
    }

    // One call on its way at a time; what comes meanwhile waits for it and goes in the next.
    private async Task CycleAsync()
    {
        while (true)
        {
            CycleBatch batch;
            lock (_cycleLock)
            {
                if (_pending.IsEmpty)
                {
                    _cycling = false;
                    return;
                }

                (batch, _pending) = (_pending, new CycleBatch());
            }

            await SendAsync(batch).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the pending marks now, beside a call on its way, so that the commands a caller sends next come after them.</summary>
    /// <returns>A task that completes when they are stored (it never faults); readers wait for it, so that what they read next, by any client, shows the marks.</returns>
    private Task SendPending()
    {
        CycleBatch batch;
        lock (_cycleLock)
        {
            if (_pending.Marks.Count == 0)
            {
                return Task.CompletedTask;
            }

            (batch, _pending) = (_pending, new CycleBatch());
        }

        return SendAsync(batch);
    }

    private async Task SendAsync(CycleBatch batch)
    {
        var (marks, finishes, takes) = (batch.Marks, batch.Finishes, batch.Takes);
        var moved = 0;
        var count = 0;
        foreach (var take in takes)
        {
            moved += take.AlreadyMoved is null ? 0 : 1;
            count += take.Count;
        }

        var keys = new RedisKey[6 + marks.Count + (2 * finishes.Count) + moved];
        var values = new RedisValue[5 + marks.Count + (4 * finishes.Count)];
        keys[0] = _keys.Queued;
        keys[1] = _keys.Active;
        keys[2] = _keys.Incomplete;
        keys[3] = _keys.FinishedComplete;
        keys[4] = _keys.FinishedFailed;
        keys[5] = _keys.FinishedAborted;
        values[0] = marks.Count;
        values[1] = finishes.Count;
        values[2] = moved;
        values[3] = count;
        values[4] = (long)HistoryKeyTtl.TotalSeconds;
        var k = 6;
        var v = 5;
        foreach (var (id, document) in marks)
        {
            keys[k++] = id;
            values[v++] = document;
        }

        foreach (var finish in finishes)
        {
            keys[k++] = finish.Id;
            keys[k++] = finish.History;
            values[v++] = finish.Ttl;
            values[v++] = finish.Status;
            values[v++] = finish.Document;
            values[v++] = finish.Completed;
        }

        foreach (var take in takes)
        {
            if (take.AlreadyMoved is { } id)
            {
                keys[k++] = id;
            }
        }

        RedisResult[] reply;
        try
        {
            reply = (RedisResult[]?)await _db.ScriptEvaluateAsync(RedisScripts.Cycle, keys, values).ConfigureAwait(false) ?? [];
        }
        catch (Exception ex)
        {
            var error = IsUnavailable(ex) ? Unavailable(ex) : ex;
            if (marks.Count > 0)
            {
                // The jobs run anyway; their finishes will say whether Redis is back. One that never gets there is swept.
                RedisLog.MarkActiveFailed(_logger, ex, marks.Count, QueueName);
            }

            foreach (var finish in finishes)
            {
                finish.Done.TrySetException(error);
            }

            foreach (var take in takes)
            {
                take.Done.TrySetException(error);
            }

            return;
        }

        foreach (var finish in finishes)
        {
            finish.Done.TrySetResult();
        }

        DeliverTakes(takes, reply, marks.Count);
    }

    // The reply holds the marks' results first (an 'aborting' kept there is seen by the worker's abort check), then
    // the moved ids' pairs in the order of the takes, then the ids taken, handed out in the same order.
    private static void DeliverTakes(List<PendingTake> takes, RedisResult[] reply, int skip)
    {
        var movedAt = skip;
        var takenAt = skip;
        foreach (var take in takes)
        {
            takenAt += take.AlreadyMoved is null ? 0 : 2;
        }

        foreach (var take in takes)
        {
            var pairs = new List<(string, byte[]?)>(take.Count + 1);
            if (take.AlreadyMoved is not null)
            {
                pairs.Add(((string)reply[movedAt]!, (byte[]?)reply[movedAt + 1]));
                movedAt += 2;
            }

            for (var i = 0; i < take.Count && takenAt + 1 < reply.Length; i++, takenAt += 2)
            {
                pairs.Add(((string)reply[takenAt]!, (byte[]?)reply[takenAt + 1]));
            }

            take.Done.TrySetResult(pairs);
        }
    }
}
