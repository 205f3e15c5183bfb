namespace Errand.AspNetCore;

/// <summary>Job options set in configuration; each one left unset keeps SAQ's default.</summary>
public sealed class ErrandJobDefaults
{
    /// <summary>Gets or sets the longest run; <see cref="TimeSpan.Zero"/> for none.</summary>
    /// <value>The default is unset (10 seconds).</value>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Gets or sets the longest time a running job may go without an update.</summary>
    /// <value>The default is unset (off).</value>
    public TimeSpan? Heartbeat { get; set; }

    /// <summary>Gets or sets the most attempts in all.</summary>
    /// <value>The default is unset (1).</value>
    public int? Retries { get; set; }

    /// <summary>Gets or sets how long a finished job is kept.</summary>
    /// <value>The default is unset (600 seconds).</value>
    public TimeSpan? Ttl { get; set; }

    /// <summary>Gets or sets the delay before a retry.</summary>
    /// <value>The default is unset (no delay).</value>
    public TimeSpan? RetryDelay { get; set; }

    /// <summary>Gets or sets whether retries back off exponentially.</summary>
    /// <value>The default is unset (no backoff).</value>
    public bool? RetryBackoff { get; set; }

    /// <summary>Returns these settings as job options.</summary>
    /// <returns>The options.</returns>
    public JobOptions ToJobOptions() => new()
    {
        Timeout = Timeout,
        Heartbeat = Heartbeat,
        Retries = Retries,
        Ttl = Ttl,
        RetryDelay = RetryDelay,
        RetryBackoff = RetryBackoff,
    };
}
