using Errand.Backends;

namespace Errand.InMemory;

/// <content>Limits: the take's check, held jobs, slots freed when a job ends, holds, and their state.</content>
public sealed partial class InMemoryQueueBackend
{
    // The stored limits (a copy: the caller's object may change), or null for none.
    private Dictionary<string, Limit>? _functionLimits;
    private Limit? _keyLimit;

    // Job key -> the concurrency-limited targets whose running sets hold it.
    private readonly Dictionary<string, LimitTarget[]> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<LimitTarget, HashSet<string>> _running = [];

    // Jobs waiting for a slot of a target, oldest first; and jobs waiting for a time (a rate's or a hold's), soonest first.
    private readonly Dictionary<LimitTarget, LinkedList<string>> _heldForSlot = [];
    private readonly Dictionary<string, LimitTarget> _heldTarget = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, long> _heldUntil = new();
    private readonly Dictionary<string, (LimitTarget Target, long DueMs)> _heldTimed = new(StringComparer.Ordinal);

    // Start times within the period of each rate-limited target (a sliding window), oldest first; holds' end times.
    private readonly Dictionary<LimitTarget, Queue<long>> _starts = [];
    private readonly Dictionary<LimitTarget, long> _holds = [];

    private bool HasLimits => _functionLimits is not null || _holds.Count > 0;

    private int HeldCount => _heldTarget.Count + _heldTimed.Count;

    /// <inheritdoc />
    public Task SetLimitsAsync(QueueLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            if (limits.IsEmpty)
            {
                _functionLimits = null;
                _keyLimit = null;
            }
            else
            {
                _functionLimits = limits.Functions.Where(e => e.Value.IsSet).ToDictionary(e => e.Key, e => Copy(e.Value), StringComparer.Ordinal);
                _keyLimit = limits.ForKeys() is { } keys ? Copy(keys) : null;
            }

            // Held jobs are judged again under the new limits.
            ReleaseAllHeld();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task HoldAsync(LimitTarget target, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var untilMs = NowMs() + (long)duration.TotalMilliseconds;
            if (!_holds.TryGetValue(target, out var current) || current < untilMs)
            {
                _holds[target] = untilMs;
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LimitState>> GetLimitStatesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposed();
            var held = _heldTarget.Values.Concat(_heldTimed.Values.Select(v => v.Target)).CountBy(t => t).ToDictionary();
            var targets = new HashSet<LimitTarget>(_running.Keys.Concat(held.Keys));
            foreach (var function in _functionLimits?.Keys ?? Enumerable.Empty<string>())
            {
                targets.Add(new LimitTarget(LimitScope.Function, function));
            }

            IReadOnlyList<LimitState> states = [.. targets
                .Select(t => new LimitState(t, _running.TryGetValue(t, out var ids) ? ids.Count : 0, LimitOf(t)?.Concurrency, held.GetValueOrDefault(t)))
                .OrderBy(s => s.Target.Scope).ThenBy(s => s.Target.Name, StringComparer.Ordinal)];
            return Task.FromResult(states);
        }
    }

    private static Limit Copy(Limit limit) => new() { Concurrency = limit.Concurrency, Rate = limit.Rate, Period = limit.Period };

    private Limit? LimitOf(LimitTarget target) => target.Scope == LimitScope.Function
        ? _functionLimits?.GetValueOrDefault(target.Name)
        : _keyLimit;

    // Whether the job may start now; if not, it is held (out of the ready list) for the first target that stops it.
    private bool TryStartLimited(Job job, long nowMs)
    {
        var function = new LimitTarget(LimitScope.Function, job.Function);
        var key = job.GroupKey is { } groupKey ? new LimitTarget(LimitScope.GroupKey, groupKey) : null;
        if (!MayStart(function, job.Key, nowMs) || (key is not null && !MayStart(key, job.Key, nowMs)))
        {
            return false;
        }

        var slots = new List<LimitTarget>(2);
        Start(function, job.Key, nowMs, slots);
        if (key is not null)
        {
            Start(key, job.Key, nowMs, slots);
        }

        if (slots.Count > 0)
        {
            _slots[job.Key] = [.. slots];
        }

        return true;
    }

    private bool MayStart(LimitTarget target, string jobKey, long nowMs)
    {
        if (_holds.TryGetValue(target, out var holdUntilMs))
        {
            if (holdUntilMs > nowMs)
            {
                HoldUntil(jobKey, target, holdUntilMs);
                return false;
            }

            _holds.Remove(target);
        }

        if (LimitOf(target) is not { } limit)
        {
            return true;
        }

        if (limit.Concurrency is { } concurrency && _running.TryGetValue(target, out var ids) && ids.Count >= concurrency)
        {
            if (!_heldForSlot.TryGetValue(target, out var held))
            {
                _heldForSlot[target] = held = new LinkedList<string>();
            }

            held.AddLast(jobKey);
            _heldTarget[jobKey] = target;
            return false;
        }

        if (limit.Rate is { } rate && _starts.TryGetValue(target, out var starts))
        {
            var periodMs = (long)limit.Period.TotalMilliseconds;
            while (starts.TryPeek(out var first) && first <= nowMs - periodMs)
            {
                starts.Dequeue();
            }

            if (starts.Count >= rate)
            {
                HoldUntil(jobKey, target, starts.Peek() + periodMs);
                return false;
            }
        }

        return true;
    }

    private void Start(LimitTarget target, string jobKey, long nowMs, List<LimitTarget> slots)
    {
        if (LimitOf(target) is not { } limit)
        {
            return;
        }

        if (limit.Concurrency is not null)
        {
            if (!_running.TryGetValue(target, out var ids))
            {
                _running[target] = ids = new HashSet<string>(StringComparer.Ordinal);
            }

            ids.Add(jobKey);
            slots.Add(target);
        }

        if (limit.Rate is not null)
        {
            if (!_starts.TryGetValue(target, out var starts))
            {
                _starts[target] = starts = new Queue<long>();
            }

            starts.Enqueue(nowMs);
        }
    }

    private void HoldUntil(string jobKey, LimitTarget target, long dueMs)
    {
        _heldTimed[jobKey] = (target, dueMs);
        _heldUntil.Enqueue(jobKey, dueMs);
    }

    // Jobs whose time has come go back to the head of the ready list, oldest due first; returns the next due time.
    private long ReleaseDue(long nowMs)
    {
        var due = new List<string>();
        while (_heldUntil.TryPeek(out var jobKey, out var dueMs))
        {
            if (!_heldTimed.TryGetValue(jobKey, out var entry) || entry.DueMs != dueMs)
            {
                _heldUntil.Dequeue(); // stale: released or held again since
                continue;
            }

            if (dueMs > nowMs)
            {
                break;
            }

            _heldUntil.Dequeue();
            _heldTimed.Remove(jobKey);
            due.Add(jobKey);
        }

        for (var i = due.Count - 1; i >= 0; i--)
        {
            _queued.AddFirst(due[i]);
        }

        return _heldUntil.TryPeek(out _, out var next) ? next : long.MaxValue;
    }

    // A job's attempt has ended (or the job left the queue): its slots are freed, each giving one held job back to the
    // head of the ready list; a held job is no longer held.
    private void ForgetLimited(string jobKey)
    {
        if (_slots.Remove(jobKey, out var targets))
        {
            foreach (var target in targets)
            {
                if (_running.TryGetValue(target, out var ids) && ids.Remove(jobKey) && ids.Count == 0)
                {
                    _running.Remove(target);
                }

                ReleaseOneHeld(target);
            }
        }

        if (_heldTarget.Remove(jobKey, out var heldFor) && _heldForSlot.TryGetValue(heldFor, out var list))
        {
            list.Remove(jobKey);
            if (list.Count == 0)
            {
                _heldForSlot.Remove(heldFor);
            }
        }

        _heldTimed.Remove(jobKey);
    }

    private void ReleaseOneHeld(LimitTarget target)
    {
        if (_heldForSlot.TryGetValue(target, out var list) && list.First is { } first)
        {
            list.RemoveFirst();
            if (list.Count == 0)
            {
                _heldForSlot.Remove(target);
            }

            _heldTarget.Remove(first.Value);
            _queued.AddFirst(first.Value);
            SignalReady();
        }
    }

    private void ReleaseAllHeld()
    {
        var keys = _heldForSlot.Values.SelectMany(list => list).Concat(_heldTimed.Keys).ToList();
        _heldForSlot.Clear();
        _heldTarget.Clear();
        _heldTimed.Clear();
        _heldUntil.Clear();
        for (var i = keys.Count - 1; i >= 0; i--)
        {
            _queued.AddFirst(keys[i]);
        }

        if (keys.Count > 0)
        {
            SignalReady();
        }
    }

    // The sweep's repair: a slot whose job is no longer running (its end was lost) is freed.
    private void RepairSlots(long nowMs)
    {
        foreach (var jobKey in _slots.Keys.ToList())
        {
            if (!_active.Contains(jobKey) && !_abortedRunning.ContainsKey(jobKey)
                && TryReadJob(jobKey, nowMs) is not { Status: JobStatus.Active or JobStatus.Aborting })
            {
                ForgetLimited(jobKey);
            }
        }
    }
}
