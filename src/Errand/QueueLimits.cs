using System.Text.Json;

namespace Errand;

/// <summary>The limits of one queue: per function, and per group key; enforced by the store across every worker of the queue.</summary>
/// <remarks>
/// A worker writes its queue's limits to the store when it starts (<see cref="Backends.IQueueBackend.SetLimitsAsync"/>);
/// when two processes write different limits, the last writer wins. A queue without limits stores exactly what SAQ
/// stores and takes jobs by SAQ's path alone. Set in code (<see cref="QueueOptions.Limits"/>) or in configuration
/// (<c>Errand:Queues:NAME:Limits</c>).
/// </remarks>
public sealed class QueueLimits
{
    /// <summary>Gets the limits of single functions, by function name.</summary>
    public IDictionary<string, Limit> Functions { get; } = new Dictionary<string, Limit>(StringComparer.Ordinal);

    /// <summary>Gets or sets the limit every group key gets for itself (<see cref="Job.GroupKey"/>): with a <see cref="Limit.Concurrency"/> of 1, one job of a key runs at a time.</summary>
    /// <value>The default is <see langword="null"/>: on Redis and in memory a group key limits nothing (as SAQ's Redis queue); PostgreSQL keeps SAQ's one running job per group.</value>
    public Limit? Keys { get; set; }

    /// <summary>Gets functions that derive a job's group key from its arguments, by function name; used when an enqueue sets no <see cref="JobOptions.GroupKey"/>.</summary>
    public IDictionary<string, Func<JsonElement?, string?>> KeyOf { get; } = new Dictionary<string, Func<JsonElement?, string?>>(StringComparer.Ordinal);

    /// <summary>Gets whether any limit is set.</summary>
    public bool IsEmpty => (Keys is null || !Keys.IsSet) && !Functions.Values.Any(limit => limit.IsSet);

    /// <summary>Throws when a limit is out of range, naming it.</summary>
    /// <exception cref="ArgumentException">A limit is out of range or a function name is empty.</exception>
    public void Validate()
    {
        foreach (var (function, limit) in Functions)
        {
            if (string.IsNullOrEmpty(function))
            {
                throw new ArgumentException("A function limit names no function.", nameof(Functions));
            }

            ArgumentNullException.ThrowIfNull(limit);
            limit.Validate($"of function '{function}'");
        }

        Keys?.Validate("of group keys");
    }

    /// <summary>Returns the limit of function <paramref name="function"/>, or <see langword="null"/> when it has none.</summary>
    /// <param name="function">The function name.</param>
    /// <returns>The limit, or <see langword="null"/>.</returns>
    public Limit? ForFunction(string function) =>
        Functions.TryGetValue(function, out var limit) && limit.IsSet ? limit : null;

    /// <summary>Returns the limit of group keys, or <see langword="null"/> when they have none.</summary>
    /// <returns>The limit, or <see langword="null"/>.</returns>
    public Limit? ForKeys() => Keys is { IsSet: true } keys ? keys : null;
}
