using System.Text.Json;

namespace Errand;

/// <summary>Options of a <see cref="Queue"/>.</summary>
public sealed class QueueOptions
{
    /// <summary>Gets or sets the options every job of this queue starts from.</summary>
    /// <value>The default is SAQ's defaults: timeout 10 s, 1 attempt, kept 600 s.</value>
    public JobOptions? JobDefaults { get; set; }

    /// <summary>Gets or sets how arguments and results are written and bound.</summary>
    /// <value>The default writes snake_case names (as Python SAQ expects) and binds names case-insensitively.</value>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = CreateDefaultJsonOptions();

    /// <summary>
    /// Gets or sets how often a wait for jobs (<see cref="Queue.WaitAsync"/>, <see cref="Queue.ApplyAsync{TResult}"/>,
    /// <see cref="Queue.MapAsync{TResult}"/>) reads their stored state again, in case a notification was lost.
    /// </summary>
    /// <value>The default is 5 seconds. A notification ends a wait at once; this bounds how late a lost one is made good.</value>
    public TimeSpan WaitRecheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the queue's concurrency and rate limits, per function and per group key, enforced by the store across every worker; a worker writes them to the store when it starts.</summary>
    /// <value>The default is <see langword="null"/>: no limits (the limits another process stored stay in force).</value>
    public QueueLimits? Limits { get; set; }

    /// <summary>Returns the default JSON options: snake_case names written, names bound case-insensitively.</summary>
    /// <returns>A new options instance.</returns>
    public static JsonSerializerOptions CreateDefaultJsonOptions() => new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        PropertyNameCaseInsensitive = true,
    };
}
