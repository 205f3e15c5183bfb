using System.Globalization;
using Errand.Backends;
using StackExchange.Redis;

namespace Errand.Redis;

/// <content>
/// Limits (issue 17): stored in Errand's own keys of the queue (<c>errand:QUEUE:limits</c> and the others of
/// limits_lib.lua) and enforced by the cycle script's take, in every process; see docs/redis.md.
/// </content>
public sealed partial class RedisQueueBackend
{
    // Whether the queue has limits or holds, as this process last saw: an idle dequeue then waits without moving a job
    // (the take judges it) and wakes when a held job is due. Refreshed by every schedule tick.
    private readonly LimitedFlag _limitedFlag = new();

    // Whether the flag was read from the store once (before the first blocking wait).
    private volatile bool _limitsChecked;

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    /// <remarks>Stored in <c>errand:QUEUE:limits</c>, replacing what was there (the last writer wins); held jobs are judged again under the new limits.</remarks>
    public async Task SetLimitsAsync(QueueLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var values = new List<RedisValue> { "set", _keys.LimitPrefix, NowMs };
        if (!limits.IsEmpty)
        {
            foreach (var (function, limit) in limits.Functions)
            {
                if (limit.IsSet)
                {
                    values.Add($"f:{function}");
                    values.Add(Spec(limit));
                }
            }

            if (limits.ForKeys() is { } keys)
            {
                values.Add("k");
                values.Add(Spec(keys));
            }
        }

        await LimitsScriptAsync([.. values]).ConfigureAwait(false);
        _limitedFlag.Wrote(null);
        await RefreshLimitedAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task HoldAsync(LimitTarget target, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        var now = NowMs;
        await LimitsScriptAsync(["hold", _keys.LimitPrefix, now, Target(target), now + (long)duration.TotalMilliseconds]).ConfigureAwait(false);
        _limitedFlag.Wrote(true);
    }

    /// <inheritdoc />
    /// <exception cref="BackendUnavailableException">Redis could not be reached in time.</exception>
    public async Task<IReadOnlyList<LimitState>> GetLimitStatesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await SendPending().ConfigureAwait(false);
        var reply = (RedisResult[]?)await LimitsScriptAsync(["states", _keys.LimitPrefix, NowMs]).ConfigureAwait(false) ?? [];
        var states = new List<LimitState>(reply.Length / 4);
        for (var i = 0; i + 3 < reply.Length; i += 4)
        {
            var target = (string)reply[i]!;
            var concurrency = (int)reply[i + 2];
            states.Add(new LimitState(
                new LimitTarget(target[0] == 'f' ? LimitScope.Function : LimitScope.GroupKey, target[2..]),
                (int)reply[i + 1],
                concurrency < 0 ? null : concurrency,
                (int)reply[i + 3]));
        }

        return [.. states.OrderBy(s => s.Target.Scope).ThenBy(s => s.Target.Name, StringComparer.Ordinal)];
    }

    /// <summary>The sweep's repair: frees the slots of jobs no longer running, and lets jobs wait for free slots be judged again.</summary>
    private async Task RepairLimitsAsync()
    {
        if (await _db.KeyExistsAsync(_keys.Slots).ConfigureAwait(false) || await _db.KeyExistsAsync(_keys.HeldBy).ConfigureAwait(false))
        {
            await LimitsScriptAsync(["repair", _keys.LimitPrefix, NowMs]).ConfigureAwait(false);
        }
    }

    /// <summary>Frees a job's slots (and ends a waiting of it) in the transaction that retries, ends or aborts it: in one step with the change, so that a take of the job queued again is never undone.</summary>
    /// <remarks>
    /// Only on a queue known to have limits. StackExchange.Redis sends a script inside a transaction as EVAL, the whole
    /// text: that costs bytes on a limited queue's retries, never on a queue without limits. A slot whose release was
    /// not sent (a process that had not seen the limits yet) is freed by the sweep's repair.
    /// </remarks>
    private void ReleaseLimitsIn(ITransaction transaction, string id)
    {
        if (Limited)
        {
            _ = transaction.ScriptEvaluateAsync(RedisScripts.Limits, LimitScriptKeys(), ["release", _keys.LimitPrefix, NowMs, id]);
        }
    }

    /// <summary>Reads whether the queue has limits or holds now (the schedule tick does, every second).</summary>
    private async Task RefreshLimitedAsync()
    {
        var mark = _limitedFlag.BeforeRead();
        _limitedFlag.SetFromRead(await _db.KeyExistsAsync([_keys.Limits, _keys.Holds]).ConfigureAwait(false) > 0, mark);
    }

    private bool Limited => _limitedFlag.Value;

    /// <summary>Returns how long an idle dequeue may wait before a held job is due, at most <paramref name="wait"/>.</summary>
    private async Task<TimeSpan> WaitBeforeDueAsync(TimeSpan wait)
    {
        var first = await _db.SortedSetRangeByRankWithScoresAsync(_keys.Delayed, 0, 0).ConfigureAwait(false);
        if (first.Length == 0)
        {
            return wait;
        }

        var dueIn = TimeSpan.FromMilliseconds(Math.Max(10, first[0].Score - NowMs));
        return dueIn < wait ? dueIn : wait;
    }

    private async Task<RedisResult> LimitsScriptAsync(RedisValue[] values)
    {
        try
        {
            return await _db.ScriptEvaluateAsync(RedisScripts.Limits, LimitScriptKeys(), values).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private RedisKey[] LimitScriptKeys() =>
        [_keys.Queued, _keys.Limits, _keys.Holds, _keys.Running, _keys.Slots, _keys.HeldBy, _keys.Delayed, _keys.Active];

    // The cycle script's limit keys, after its own.
    private void LimitKeys(RedisKey[] keys, int at)
    {
        keys[at] = _keys.Limits;
        keys[at + 1] = _keys.Holds;
        keys[at + 2] = _keys.Running;
        keys[at + 3] = _keys.Slots;
        keys[at + 4] = _keys.HeldBy;
        keys[at + 5] = _keys.Delayed;
    }

    private static string Target(LimitTarget target) =>
        (target.Scope == LimitScope.Function ? "f:" : "k:") + target.Name;

    private static string Spec(Limit limit) => string.Create(
        CultureInfo.InvariantCulture,
        $"{(limit.Concurrency is { } c ? c.ToString(CultureInfo.InvariantCulture) : "-")} {(limit.Rate is { } r ? r.ToString(CultureInfo.InvariantCulture) : "-")} {(long)limit.Period.TotalMilliseconds}");
}
