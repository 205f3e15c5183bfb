using System.Globalization;
using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>Sweep: judge every active job under the sweep lock; suspicions must last the grace before they count.</content>
public sealed partial class RedisQueueBackend
{
    private const int MgetChunk = 500;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<SweepResult> SweepAsync(SweepRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(request.LockFor, TimeSpan.Zero, nameof(request));
        cancellationToken.ThrowIfCancellationRequested();
        _ = SendPending();
        try
        {
            if (!await _db.StringSetAsync(_keys.Sweep, 1, request.LockFor, When.NotExists).ConfigureAwait(false))
            {
                return SweepResult.Empty;
            }

            var now = NowMs;
            var activeTask = _db.ListRangeAsync(_keys.Active);
            var workersTask = _db.SortedSetRangeByScoreAsync(_keys.Stats, now, double.PositiveInfinity);
            var suspectsTask = _db.HashGetAllAsync(_keys.SweepSuspects);
            var ids = (await activeTask.ConfigureAwait(false)).Select(v => (string)v!).Distinct(StringComparer.Ordinal).ToArray();
            var alive = (await workersTask.ConfigureAwait(false)).Select(m => _keys.WorkerIdOf(m!)).ToHashSet(StringComparer.Ordinal);
            var suspects = (await suspectsTask.ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
            var documents = await GetDocumentsAsync(ids).ConfigureAwait(false);

            var stuck = new List<SweptJob>();
            var removed = new List<string>();
            var stillSuspect = new HashSet<string>(StringComparer.Ordinal);
            var newSuspects = new List<HashEntry>();
            for (var i = 0; i < ids.Length; i++)
            {
                var id = ids[i];
                if (!TryRead(id, documents[i], out var job, out var reason))
                {
                    if (await QuarantineAsync(id, documents[i], reason).ConfigureAwait(false))
                    {
                        removed.Add(RedisJobIds.KeyOf(QueueName, id) ?? id);
                    }

                    continue;
                }

                if (job.Status.IsFinished())
                {
                    // A leftover entry (an id taken twice, whose current run has ended): out of the list, never run again.
                    await _db.ListRemoveAsync(_keys.Active, id).ConfigureAwait(false);
                    removed.Add(RedisJobIds.KeyOf(QueueName, id) ?? id);
                    continue;
                }

                if (SweepRules.Judge(job, now, alive.Contains) is not { } why)
                {
                    continue;
                }

                if (SweepRules.IsSuspicion(why))
                {
                    if (!suspects.TryGetValue(id, out var since))
                    {
                        since = now;
                        newSuspects.Add(new HashEntry(id, now.ToString(CultureInfo.InvariantCulture)));
                    }

                    if (now - since < request.SuspectGrace.TotalMilliseconds)
                    {
                        stillSuspect.Add(id);
                        continue;
                    }
                }

                var swept = new SweptJob(job, why);
                if (request.Decide is { } decide)
                {
                    // Applied only if the document is still the one judged: a job its worker touched or finished
                    // meanwhile is left alone, and judged again next round.
                    var decision = decide(swept);
                    if (!await ChangeAsync(documents[i]!, job, decision.Status, decision.RetryDelay, endsAttempt: true).ConfigureAwait(false))
                    {
                        continue;
                    }
                }

                stuck.Add(swept);
            }

            await RememberSuspectsAsync(suspects.Keys.Where(id => !stillSuspect.Contains(id)), newSuspects).ConfigureAwait(false);
            await SweepAbortedRunningAsync(request, now, stuck).ConfigureAwait(false);
            await PruneFinishedAsync(now).ConfigureAwait(false);
            await RepairLimitsAsync().ConfigureAwait(false);
            return new SweepResult(stuck, removed);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    // A running job aborted out of the active list that is still aborting after the grace: its worker is gone. Entries
    // of jobs that ended meanwhile are dropped; the set stays as small as the aborts of running jobs in one grace.
    private async Task SweepAbortedRunningAsync(SweepRequest request, long now, List<SweptJob> stuck)
    {
        var due = await _db.SortedSetRangeByScoreAsync(_keys.AbortedRunning, double.NegativeInfinity, now - request.SuspectGrace.TotalMilliseconds, take: 100).ConfigureAwait(false);
        if (due.Length == 0)
        {
            return;
        }

        var ids = due.Select(v => (string)v!).ToArray();
        var documents = await GetDocumentsAsync(ids).ConfigureAwait(false);
        for (var i = 0; i < ids.Length; i++)
        {
            if (documents[i] is not { } raw || !TryRead(ids[i], raw, out var job, out _) || job.Status != JobStatus.Aborting)
            {
                await _db.SortedSetRemoveAsync(_keys.AbortedRunning, ids[i]).ConfigureAwait(false);
                continue;
            }

            var swept = new SweptJob(job, SweepReason.NotActive);
            if (request.Decide is { } decide)
            {
                var decision = decide(swept);
                if (!await ChangeAsync(raw, job, decision.Status, decision.RetryDelay, endsAttempt: true).ConfigureAwait(false))
                {
                    continue;
                }

                await _db.SortedSetRemoveAsync(_keys.AbortedRunning, ids[i]).ConfigureAwait(false);
            }

            stuck.Add(swept);
        }
    }

    private async Task RememberSuspectsAsync(IEnumerable<string> cleared, List<HashEntry> added)
    {
        var forget = cleared.Select(id => (RedisValue)id).ToArray();
        var batch = _db.CreateBatch();
        var writes = new List<Task>(2);
        if (forget.Length > 0)
        {
            writes.Add(batch.HashDeleteAsync(_keys.SweepSuspects, forget));
        }

        if (added.Count > 0)
        {
            writes.Add(batch.HashSetAsync(_keys.SweepSuspects, [.. added]));
        }

        batch.Execute();
        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>Reads the documents of <paramref name="ids"/> with MGET, in chunks; a missing one is <see langword="null"/>.</summary>
    private async Task<byte[]?[]> GetDocumentsAsync(IReadOnlyList<string> ids)
    {
        var documents = new byte[]?[ids.Count];
        var reads = new List<(int Start, Task<RedisValue[]> Values)>();
        for (var start = 0; start < ids.Count; start += MgetChunk)
        {
            var keys = new RedisKey[Math.Min(MgetChunk, ids.Count - start)];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = ids[start + i];
            }

            reads.Add((start, _db.StringGetAsync(keys)));
        }

        foreach (var (start, values) in reads)
        {
            var chunk = await values.ConfigureAwait(false);
            for (var i = 0; i < chunk.Length; i++)
            {
                documents[start + i] = (byte[]?)chunk[i];
            }
        }

        return documents;
    }
}
