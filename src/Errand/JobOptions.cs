namespace Errand;

/// <summary>Options of one enqueue; every option left <see langword="null"/> takes the queue's default, then SAQ's.</summary>
public sealed record JobOptions
{
    /// <summary>Gets the job key; enqueuing a key that is still incomplete returns the stored job instead.</summary>
    /// <value>The default is a new unique key.</value>
    public string? Key { get; init; }

    /// <summary>Gets the longest run; <see cref="TimeSpan.Zero"/> for none. Rounded up to whole seconds.</summary>
    /// <value>The default is 10 seconds.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets the longest time a running job may go without an update; <see cref="TimeSpan.Zero"/> turns it off.</summary>
    /// <value>The default is off.</value>
    public TimeSpan? Heartbeat { get; init; }

    /// <summary>Gets the most attempts in all; 1 means no retry.</summary>
    /// <value>The default is 1.</value>
    public int? Retries { get; init; }

    /// <summary>Gets how long a finished job is kept: <see cref="TimeSpan.Zero"/> for ever, a negative value deletes it at once.</summary>
    /// <value>The default is 600 seconds.</value>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Gets the delay before a retry (the base delay when <see cref="RetryBackoff"/> is set).</summary>
    /// <value>The default is no delay.</value>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>Gets whether retries back off exponentially: delay x 2^(attempts-1) x a random factor in [0, 1).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool? RetryBackoff { get; init; }

    /// <summary>Gets the cap of the exponential backoff.</summary>
    /// <value>The default is no cap.</value>
    public TimeSpan? RetryBackoffCap { get; init; }

    /// <summary>Gets the time before which the job does not run; see also <see cref="Delay"/>.</summary>
    /// <value>The default is now.</value>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>Gets how long from now the job waits before it may run; ignored when <see cref="ScheduledAt"/> is set.</summary>
    /// <value>The default is no delay.</value>
    public TimeSpan? Delay { get; init; }

    /// <summary>Gets free metadata stored with the job; each value is stored as JSON.</summary>
    /// <value>The default is none.</value>
    public IReadOnlyDictionary<string, object?>? Meta { get; init; }

    /// <summary>Gets the priority: on PostgreSQL, among ready jobs the lowest runs first (0 to 32767, as SAQ). The Redis backend stores it in the document and ignores it: its queue is first in, first out.</summary>
    /// <value>The default is 0.</value>
    public int? Priority { get; init; }

    /// <summary>Gets the group key: on PostgreSQL, at most one job of a group runs at a time across every worker (jobs without a group are never held back). The Redis backend stores it in the document and ignores it.</summary>
    /// <value>The default is none.</value>
    public string? GroupKey { get; init; }

    /// <summary>Returns these options with every unset option taken from <paramref name="defaults"/>.</summary>
    /// <param name="defaults">The fallback options, or <see langword="null"/>.</param>
    /// <returns>The merged options.</returns>
    public JobOptions WithDefaults(JobOptions? defaults) => defaults is null ? this : new JobOptions
    {
        Key = Key,
        Timeout = Timeout ?? defaults.Timeout,
        Heartbeat = Heartbeat ?? defaults.Heartbeat,
        Retries = Retries ?? defaults.Retries,
        Ttl = Ttl ?? defaults.Ttl,
        RetryDelay = RetryDelay ?? defaults.RetryDelay,
        RetryBackoff = RetryBackoff ?? defaults.RetryBackoff,
        RetryBackoffCap = RetryBackoffCap ?? defaults.RetryBackoffCap,
        ScheduledAt = ScheduledAt,
        Delay = Delay,
        Meta = Meta ?? defaults.Meta,
        Priority = Priority ?? defaults.Priority,
        GroupKey = GroupKey,
    };
}
