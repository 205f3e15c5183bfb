using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Errand.Postgres;

/// <summary>
/// A queue's limits and how they stand at one moment, as a limited take reads them under the queue's limits row lock:
/// the jobs running per function and per group key, the starts of each rate's window, the holds. Judges the take's
/// candidates one by one, counting each job it lets through.
/// </summary>
/// <remarks>
/// Targets are named as on Redis: <c>f:FUNCTION</c>, <c>k:GROUP</c>. A group key's concurrency is
/// <see cref="QueueLimits.Keys"/>' or 1: PostgreSQL keeps SAQ's one running job per group unless the limits say more.
/// </remarks>
internal sealed class LimitBook
{
    private readonly Dictionary<string, Limit> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _runningFunctions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _runningGroups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Count, long FirstUntilMs)> _starts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _holds = new(StringComparer.Ordinal);

    /// <summary>Gets the limit of every group key, or <see langword="null"/>.</summary>
    public Limit? Keys { get; private set; }

    /// <summary>Gets the functions with a limit.</summary>
    public IReadOnlyDictionary<string, Limit> Functions => _functions;

    /// <summary>Gets the held targets and when their holds end.</summary>
    public IReadOnlyDictionary<string, long> Holds => _holds;

    /// <summary>Gets the running count per function.</summary>
    public IReadOnlyDictionary<string, int> RunningFunctions => _runningFunctions;

    /// <summary>Gets the running count per group key.</summary>
    public IReadOnlyDictionary<string, int> RunningGroups => _runningGroups;

    /// <summary>Gets the concurrency every group key is held to.</summary>
    public int KeyConcurrency => Keys?.Concurrency ?? 1;

    /// <summary>Writes <paramref name="limits"/> as the stored spec: <c>{"f:NAME": "C R P", "k": "C R P"}</c>, <c>-</c> for no value.</summary>
    public static string Spec(QueueLimits limits)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            if (!limits.IsEmpty)
            {
                foreach (var (function, limit) in limits.Functions)
                {
                    if (limit.IsSet)
                    {
                        writer.WriteString("f:" + function, Spec(limit));
                    }
                }

                if (limits.ForKeys() is { } keys)
                {
                    writer.WriteString("k", Spec(keys));
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads a stored spec.</summary>
    public void ReadSpec(string spec)
    {
        using var document = JsonDocument.Parse(spec);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var limit = ParseLimit(property.Value.GetString() ?? string.Empty);
            if (property.Name == "k")
            {
                Keys = limit;
            }
            else if (property.Name.StartsWith("f:", StringComparison.Ordinal))
            {
                _functions[property.Name[2..]] = limit;
            }
        }
    }

    /// <summary>Counts a running job.</summary>
    public void AddRunning(string? function, string? group)
    {
        if (function is not null)
        {
            _runningFunctions[function] = _runningFunctions.GetValueOrDefault(function) + 1;
        }

        if (group is not null)
        {
            _runningGroups[group] = _runningGroups.GetValueOrDefault(group) + 1;
        }
    }

    /// <summary>Records the starts in a target's window: how many, and when the oldest leaves it.</summary>
    public void AddStarts(string target, int count, long firstUntilMs) => _starts[target] = (count, firstUntilMs);

    /// <summary>Records a hold that ends at <paramref name="untilMs"/>.</summary>
    public void AddHold(string target, long untilMs) => _holds[target] = untilMs;

    /// <summary>Gets whether a job of <paramref name="function"/> and <paramref name="group"/> may start now.</summary>
    public bool Allows(string function, string? group) =>
        !FunctionBlocked(function) && (group is null || !GroupBlocked(group));

    /// <summary>Lets a job start when its limits allow it, counting it (running, and a start for each rate).</summary>
    /// <returns>The rate windows the start enters (target, period), or <see langword="null"/> when the job may not start.</returns>
    public List<(string Target, long PeriodMs)>? TryStart(string function, string? group, long nowMs)
    {
        if (!Allows(function, group))
        {
            return null;
        }

        AddRunning(function, group);
        var windows = new List<(string, long)>(0);
        if (_functions.TryGetValue(function, out var limit) && limit.Rate is not null)
        {
            Start("f:" + function, limit, windows, nowMs);
        }

        if (group is not null && Keys is { Rate: not null } keys)
        {
            Start("k:" + group, keys, windows, nowMs);
        }

        return windows;
    }

    /// <summary>Gets the functions whose jobs may not start now, of those the book knows.</summary>
    public List<string> BlockedFunctions()
    {
        var names = new HashSet<string>(_functions.Keys, StringComparer.Ordinal);
        names.UnionWith(_holds.Keys.Where(t => t.StartsWith("f:", StringComparison.Ordinal)).Select(t => t[2..]));
        return [.. names.Where(FunctionBlocked)];
    }

    /// <summary>Gets the group keys whose jobs may not start now, of those the book knows.</summary>
    public List<string> BlockedGroups()
    {
        var names = new HashSet<string>(_runningGroups.Keys, StringComparer.Ordinal);
        names.UnionWith(_holds.Keys.Where(t => t.StartsWith("k:", StringComparison.Ordinal)).Select(t => t[2..]));
        names.UnionWith(_starts.Keys.Where(t => t.StartsWith("k:", StringComparison.Ordinal)).Select(t => t[2..]));
        return [.. names.Where(GroupBlocked)];
    }

    /// <summary>Gets when a job held by a hold or a rate may start next (epoch ms), or <see langword="null"/>.</summary>
    public long? NextDueMs()
    {
        long? due = null;
        foreach (var until in _holds.Values)
        {
            due = due is null || until < due ? until : due;
        }

        foreach (var (target, (count, firstUntil)) in _starts)
        {
            if (RateOf(target) is { } rate && count >= rate)
            {
                due = due is null || firstUntil < due ? firstUntil : due;
            }
        }

        return due;
    }

    private bool FunctionBlocked(string function) =>
        _holds.ContainsKey("f:" + function)
        || (_functions.TryGetValue(function, out var limit)
            && ((limit.Concurrency is { } c && _runningFunctions.GetValueOrDefault(function) >= c)
                || (limit.Rate is { } r && _starts.GetValueOrDefault("f:" + function).Count >= r)));

    private bool GroupBlocked(string group) =>
        _holds.ContainsKey("k:" + group)
        || _runningGroups.GetValueOrDefault(group) >= KeyConcurrency
        || (Keys?.Rate is { } r && _starts.GetValueOrDefault("k:" + group).Count >= r);

    private int? RateOf(string target) =>
        target.StartsWith("f:", StringComparison.Ordinal)
            ? _functions.GetValueOrDefault(target[2..])?.Rate
            : Keys?.Rate;

    private void Start(string target, Limit limit, List<(string, long)> windows, long nowMs)
    {
        var period = (long)limit.Period.TotalMilliseconds;
        var (count, first) = _starts.GetValueOrDefault(target);
        _starts[target] = (count + 1, count == 0 ? nowMs + period : first);
        windows.Add((target, period));
    }

    private static string Spec(Limit limit) => string.Create(
        CultureInfo.InvariantCulture,
        $"{(limit.Concurrency is { } c ? c.ToString(CultureInfo.InvariantCulture) : "-")} {(limit.Rate is { } r ? r.ToString(CultureInfo.InvariantCulture) : "-")} {(long)limit.Period.TotalMilliseconds}");

    private static Limit ParseLimit(string spec)
    {
        var parts = spec.Split(' ');
        return new Limit
        {
            Concurrency = parts[0] == "-" ? null : int.Parse(parts[0], CultureInfo.InvariantCulture),
            Rate = parts.Length > 1 && parts[1] != "-" ? int.Parse(parts[1], CultureInfo.InvariantCulture) : null,
            Period = TimeSpan.FromMilliseconds(parts.Length > 2 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 1000),
        };
    }
}
