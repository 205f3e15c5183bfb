using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>
/// The worker's hot path in one script call per round trip: the marks, finishes and takes of a batch go together.
/// </content>
/// <remarks>
/// <para>
/// A take is sent at once, with the marks and finishes pending: a worker takes as soon as functions have ended, so its
/// take carries their outcomes. Up to two calls are on their way at a time, so that Redis runs one while the worker
/// runs the jobs of the other; what comes meanwhile goes in the next. Marks and finishes that no take follows (every
/// slot busy with long jobs) are sent by a timer after <see cref="RedisBackendOptions.BatchDelay"/>.
/// </para>
/// <para>
/// A mark is accepted without waiting (the job's function starts at once), so every other command of this backend
/// first sends the marks still pending (<see cref="SendPending"/>): no later write of the job can be overtaken by its
/// mark, and a read returns only after the marks of earlier dequeues are stored.
/// </para>
/// </remarks>
public sealed partial class RedisQueueBackend
{
    private const int MaxCyclesInFlight = 2;
    private static readonly RedisValue ActiveNoticeToo = "1";
    private static readonly RedisValue OutcomeOnly = "0";
    private readonly Lock _cycleLock = new();
    // The document each running attempt last wrote (its active mark, then its heartbeats): its finish is known current
    // by one comparison in the cycle script while the stored document is still that one.
    // It keeps the job's id too, built once at the take for the mark and the finish (a string per job, not one per use).
    private readonly ConcurrentDictionary<Job, (string Id, byte[] Document)> _written = new(ReferenceEqualityComparer.Instance);
    private readonly ITimer _cycleTimer;
    private CycleBatch _pending = new();
    private int _cyclesInFlight;
    private bool _cycleTimerArmed;

    // Sent by the worker's next take, or by the timer the dequeue arms when none came (DequeueAndHandOverAsync).
    // Internal for the tests, which send a mark late as a cluster can (see StartCall).
    internal void AddMarks(List<(string Id, byte[] Document)> marks)
    {
        lock (_cycleLock)
        {
            _pending.Marks.AddRange(marks);
        }
    }

    private Task AddFinish(PendingFinish finish)
    {
        lock (_cycleLock)
        {
            _pending.Finishes.Add(finish);
        }

        SendSoon();
        return finish.Done.Task;
    }

    private Task<List<(string Id, byte[]? Document)>> AddTake(int count, string? alreadyMoved)
    {
        var take = new PendingTake(count, alreadyMoved);
        lock (_cycleLock)
        {
            _pending.Takes.Add(take);
        }

        TrySend();
        return take.Done.Task;
    }

    // Waits for a take to carry what is pending; when no call is on its way, a timer bounds the wait.
    private void SendSoon()
    {
        lock (_cycleLock)
        {
            if (_cyclesInFlight > 0 || _cycleTimerArmed || _pending.IsEmpty)
            {
                return;
            }

            _cycleTimerArmed = true;
        }

        try
        {
            _cycleTimer.Change(_options.BatchDelay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The backend is being disposed: send now, so that no caller waits on a timer that will not fire.
            OnCycleTimer();
        }
    }

    private void OnCycleTimer()
    {
        lock (_cycleLock)
        {
            _cycleTimerArmed = false;
        }

        TrySend();
    }

    private void TrySend()
    {
        CycleBatch batch;
        Task<RedisResult> call;
        lock (_cycleLock)
        {
            if (_cyclesInFlight >= MaxCyclesInFlight || _pending.IsEmpty)
            {
                return;
            }

            _cyclesInFlight++;
            (batch, _pending) = (_pending, new CycleBatch());
            call = StartCall(batch);
        }

        _ = CycleAsync(batch, call);
    }

    private async Task CycleAsync(CycleBatch batch, Task<RedisResult> call)
    {
        RedisResult[]? reply = null;
        bool takePending;
        try
        {
            reply = await CompleteCallAsync(batch, call).ConfigureAwait(false);
        }
        finally
        {
            lock (_cycleLock)
            {
                _cyclesInFlight--;
                takePending = _pending.Takes.Count > 0;
            }
        }

        // A take that waited for room goes now; marks and finishes wait for the worker's next take a moment longer.
        if (takePending)
        {
            TrySend();
        }
        else
        {
            SendSoon();
        }

        // Last: the first taker goes on on this thread and starts its jobs (the others on the thread pool), so a
        // function that holds it for long (one that computes before its first await) holds its own worker lane
        // only, never the cycle calls nor another lane.
        DeliverTakes(batch.Takes, reply, batch.Marks.Count);
    }

    /// <summary>Sends everything pending and waits for it; for disposal.</summary>
    private async Task FlushCycleAsync()
    {
        CycleBatch batch;
        Task<RedisResult>? call = null;
        lock (_cycleLock)
        {
            (batch, _pending) = (_pending, new CycleBatch());
            if (!batch.IsEmpty)
            {
                call = StartCall(batch);
            }
        }

        if (call is not null)
        {
            DeliverTakes(batch.Takes, await CompleteCallAsync(batch, call).ConfigureAwait(false), batch.Marks.Count);
        }
    }

    /// <summary>Sends the pending marks now, beside a call on its way, so that the commands a caller sends next come after them.</summary>
    /// <returns>A task that completes when they are stored (it never faults); readers wait for it, so that what they read next, by any client, shows the marks.</returns>
    internal Task SendPending()
    {
        CycleBatch batch;
        Task<RedisResult> call;
        lock (_cycleLock)
        {
            if (_pending.Marks.Count == 0)
            {
                return Task.CompletedTask;
            }

            (batch, _pending) = (_pending, new CycleBatch());
            call = StartCall(batch);
        }

        return CompleteAndDeliverAsync(batch, call);
    }

    private async Task CompleteAndDeliverAsync(CycleBatch batch, Task<RedisResult> call) =>
        DeliverTakes(batch.Takes, await CompleteCallAsync(batch, call).ConfigureAwait(false), batch.Marks.Count);

    /// <summary>Starts one cycle call; always under <c>_cycleLock</c>, so that calls reach Redis in the order their batches left <c>_pending</c> (a mark must never come after its job's finish).</summary>
    /// <remarks>On a cluster a call refused with TRYAGAIN or CLUSTERDOWN is sent again (<see cref="EvaluateAsync"/>) and may land after a later one; the script writes a mark only while the job's entry is in the active list, so a late mark changes nothing.</remarks>
    private Task<RedisResult> StartCall(CycleBatch batch)
    {
        batch.FoldMarksIntoFinishes();
        var (marks, finishes, takes) = (batch.Marks, batch.Finishes, batch.Takes);
        var moved = 0;
        var count = 0;
        foreach (var take in takes)
        {
            moved += take.AlreadyMoved is null ? 0 : 1;
            count += take.Count;
        }

        var keys = new RedisKey[6 + marks.Count + (4 * finishes.Count) + moved + 1 + 6 + 1];
        var values = new RedisValue[5 + marks.Count + (8 * finishes.Count) + 2 + 2 + 2];
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

        var markedAndFinished = batch.MarkedAndFinished;
        foreach (var finish in finishes)
        {
            keys[k++] = finish.Id;
            keys[k++] = finish.History;
            keys[k++] = finish.HourlyHistory;
            keys[k++] = finish.Attempts;
            values[v++] = finish.Ttl;
            values[v++] = finish.Status;
            values[v++] = finish.Document;
            values[v++] = finish.Completed;
            var folded = markedAndFinished is not null && markedAndFinished.Contains(finish.Id);
            values[v++] = folded ? ActiveNoticeToo : OutcomeOnly;
            values[v++] = finish.Attempt;
            values[v++] = folded ? RedisValue.EmptyString : finish.Written ?? RedisValue.EmptyString;
            values[v++] = finish.AttemptRecord;
        }

        (values[v], values[v + 1]) = ExpiryEntry(finishes);

        foreach (var take in takes)
        {
            if (take.AlreadyMoved is { } id)
            {
                keys[k++] = id;
            }
        }

        keys[k] = _keys.FinishedExpiry;
        LimitKeys(keys, k + 1);
        keys[k + 7] = _keys.Retrying;
        values[v + 2] = NowMs;
        values[v + 3] = _keys.LimitPrefix;
        values[v + 4] = (long)HourlyHistoryKeyTtl.TotalSeconds;
        values[v + 5] = Errand.Backends.JobAttempt.MaxKept;
        try
        {
            return EvaluateAsync(RedisScripts.Cycle, keys, values);
        }
        catch (Exception ex)
        {
            return Task.FromException<RedisResult>(ex);
        }
    }

    /// <summary>
    /// Returns the batch's entry of the expiry index: due when the first of its documents with a ttl expires (epoch ms),
    /// named by the completed range of those jobs (<c>w:FIRST:LAST</c>); two empty strings when none has a ttl.
    /// </summary>
    /// <remarks>One entry a batch, not one a job: the prune (RedisQueueBackend.Prune.cs) finds the ids by that range.</remarks>
    private static (RedisValue Due, RedisValue Window) ExpiryEntry(List<PendingFinish> finishes)
    {
        long first = long.MaxValue, last = long.MinValue, due = long.MaxValue;
        foreach (var finish in finishes)
        {
            if (finish.Ttl > 0)
            {
                first = Math.Min(first, finish.Completed);
                last = Math.Max(last, finish.Completed);
                due = Math.Min(due, finish.Completed + (finish.Ttl * 1000L));
            }
        }

        return due == long.MaxValue
            ? (RedisValue.EmptyString, RedisValue.EmptyString)
            : (due, string.Create(CultureInfo.InvariantCulture, $"w:{first}:{last}"));
    }

    /// <summary>Waits for a cycle call; completes its finishes (their callers go on elsewhere), and returns the reply for the takes, or <see langword="null"/> when the call failed (the takes are failed then).</summary>
    private async Task<RedisResult[]?> CompleteCallAsync(CycleBatch batch, Task<RedisResult> call)
    {
        var (marks, finishes, takes) = (batch.Marks, batch.Finishes, batch.Takes);
        RedisResult[] reply;
        try
        {
            reply = (RedisResult[]?)await call.ConfigureAwait(false) ?? [];
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

            return null;
        }

        if (finishes.Count > 0)
        {
            try
            {
                await ConfirmReplicatedAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BackendUnavailableException || IsUnavailable(ex))
            {
                // The outcomes are on the primary, unconfirmed: their callers store them again (a stored outcome is kept).
                var error = ex as BackendUnavailableException ?? Unavailable(ex);
                foreach (var finish in finishes)
                {
                    finish.Done.TrySetException(error);
                }

                return reply;
            }
        }

        foreach (var finish in finishes)
        {
            finish.Done.TrySetResult();
        }

        return reply;
    }

    // The reply holds the marks' results first (an 'aborting' kept there is seen by the worker's abort check), then
    // the moved ids' pairs in the order of the takes, then the ids taken, handed out in the same order.
    private static void DeliverTakes(List<PendingTake> takes, RedisResult[]? reply, int skip)
    {
        if (reply is null || takes.Count == 0)
        {
            return;
        }

        try
        {
            DeliverTakesCore(takes, reply, skip);
        }
        catch (Exception ex) when (ex is InvalidCastException or IndexOutOfRangeException)
        {
            // A reply of another shape (a script of another version on the server): the takes fail, nothing hangs.
            foreach (var take in takes)
            {
                take.Done.TrySetException(new RedisException($"Unexpected reply of the cycle script: {ex.Message}"));
            }
        }
    }

    private static void DeliverTakesCore(List<PendingTake> takes, RedisResult[] reply, int skip)
    {
        var movedAt = skip;
        var takenAt = skip;
        foreach (var take in takes)
        {
            takenAt += take.AlreadyMoved is null ? 0 : 2;
        }

        var results = new List<(string, byte[]?)>[takes.Count];
        for (var t = 0; t < takes.Count; t++)
        {
            var take = takes[t];
            var pairs = results[t] = new List<(string, byte[]?)>(take.Count + 1);
            if (take.AlreadyMoved is not null)
            {
                pairs.Add(((string)reply[movedAt]!, (byte[]?)reply[movedAt + 1]));
                movedAt += 2;
            }

            for (var i = 0; i < take.Count && takenAt + 1 < reply.Length; i++, takenAt += 2)
            {
                pairs.Add(((string)reply[takenAt]!, (byte[]?)reply[takenAt + 1]));
            }
        }

        // Each taker goes on where its take is completed and starts its jobs there: the first on this thread, the
        // others on the thread pool, so that a synchronous function of one lane's batch never holds another lane's.
        for (var t = 1; t < takes.Count; t++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Take.Done.TrySetResult(state.Pairs), (Take: takes[t], Pairs: results[t]), preferLocal: false);
        }

        takes[0].Done.TrySetResult(results[0]);
    }
}
