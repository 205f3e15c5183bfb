namespace Errand.AspNetCore;

/// <summary>Errand's settings for an application, bound from the configuration section <c>Errand</c>.</summary>
public sealed class ErrandOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "Errand";

    /// <summary>Gets or sets where the queues are stored: <c>redis://[user:password@]host:port[/db]</c> or <c>rediss://...</c>.</summary>
    /// <value>The default is <see langword="null"/>: every queue is kept in this process's memory (said once in the log).</value>
    public string? Url { get; set; }

    /// <summary>Gets or sets the name of the default queue, the one <see cref="IErrandQueue"/> and <see cref="IQueue"/> resolve to.</summary>
    /// <value>The default is <c>default</c>.</value>
    public string Queue { get; set; } = "default";

    /// <summary>Gets or sets how many jobs the in-process worker of each queue runs at the same time.</summary>
    /// <value>The default is 10.</value>
    public int Concurrency { get; set; } = 10;

    /// <summary>Gets the options every job starts from, unless its method or the call sets them.</summary>
    /// <value>The default is SAQ's: timeout 10 s, 1 attempt, kept 600 s.</value>
    public ErrandJobDefaults JobDefaults { get; } = new();

    /// <summary>Gets the settings of the in-process worker.</summary>
    public ErrandWorkerSettings Worker { get; } = new();

    /// <summary>Gets further named queues, beside the default one, by name.</summary>
    /// <value>The default is none.</value>
    public IDictionary<string, ErrandQueueSettings> Queues { get; } = new Dictionary<string, ErrandQueueSettings>(StringComparer.Ordinal);

    /// <summary>Gets the names of every queue: the default one first.</summary>
    internal IReadOnlyList<string> QueueNames => [Queue, .. Queues.Keys.Where(name => !string.Equals(name, Queue, StringComparison.Ordinal))];

    /// <summary>Throws when a setting is out of range, naming it and its bound.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Queue))
        {
            throw new ArgumentException("Errand:Queue is empty; it must name the default queue.", nameof(Queue));
        }

        if (Concurrency < 1)
        {
            throw new ArgumentException($"Errand:Concurrency is {Concurrency}; it must be at least 1.", nameof(Concurrency));
        }

        foreach (var (name, queue) in Queues)
        {
            if (queue.Concurrency is < 1)
            {
                throw new ArgumentException($"Errand:Queues:{name}:Concurrency is {queue.Concurrency}; it must be at least 1.", nameof(Queues));
            }
        }

        if (Url is { Length: > 0 } url && !RedisUrl.IsRedis(url))
        {
            throw new ArgumentException($"Errand:Url has the scheme '{url.Split(':')[0]}'; Errand supports redis:// and rediss://.", nameof(Url));
        }
    }
}
