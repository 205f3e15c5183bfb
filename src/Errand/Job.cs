using System.Text.Json;

namespace Errand;

/// <summary>Holds one job: the call to make, its options and its state, as stored in SAQ's job document.</summary>
/// <remarks>
/// A <see cref="Job"/> is a snapshot: changing it changes nothing in the queue until it is written by an
/// operation of <see cref="IQueue"/> or of a backend. Times are kept in the units SAQ stores (whole seconds
/// for options, epoch milliseconds for lifecycle times) so that a document read and written back is unchanged.
/// Instances are not safe for concurrent mutation.
/// </remarks>
public sealed class Job
{
    /// <summary>The default <see cref="Timeout"/>, in seconds.</summary>
    public const int DefaultTimeout = 10;

    /// <summary>The default <see cref="Retries"/>.</summary>
    public const int DefaultRetries = 1;

    /// <summary>The default <see cref="Ttl"/>, in seconds.</summary>
    public const int DefaultTtl = 600;

    /// <summary>Initializes a new job for <paramref name="function"/> on <paramref name="queue"/>.</summary>
    /// <param name="function">The registered function name.</param>
    /// <param name="queue">The queue name.</param>
    /// <param name="key">The job key; a new unique key when <see langword="null"/>.</param>
    public Job(string function, string queue, string? key = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentException.ThrowIfNullOrEmpty(queue);
        Function = function;
        Queue = queue;
        Key = string.IsNullOrEmpty(key) ? JobKeys.New() : key;
    }

    /// <summary>Gets the registered name of the function to call.</summary>
    public string Function { get; }

    /// <summary>Gets the name of the queue the job belongs to.</summary>
    public string Queue { get; }

    /// <summary>Gets the job key, unique among the queue's incomplete jobs.</summary>
    public string Key { get; }

    /// <summary>Gets or sets the named arguments of the call (SAQ's <c>kwargs</c>).</summary>
    /// <value>The default is <see langword="null"/> (no arguments).</value>
    public JsonElement? Kwargs { get; set; }

    /// <summary>Gets or sets the longest run, in seconds; 0 means none.</summary>
    /// <value>The default is 10.</value>
    public int Timeout { get; set; } = DefaultTimeout;

    /// <summary>Gets or sets the longest time without an update while running, in seconds; 0 turns it off.</summary>
    /// <value>The default is 0.</value>
    public int Heartbeat { get; set; }

    /// <summary>Gets or sets the most attempts in all; 1 means no retry.</summary>
    /// <value>The default is 1.</value>
    public int Retries { get; set; } = DefaultRetries;

    /// <summary>Gets or sets how long a finished job is kept, in seconds; 0 keeps it for ever, -1 deletes it at once.</summary>
    /// <value>The default is 600.</value>
    public int Ttl { get; set; } = DefaultTtl;

    /// <summary>Gets or sets the delay before a retry, in seconds.</summary>
    /// <value>The default is 0.</value>
    public double RetryDelay { get; set; }

    /// <summary>Gets or sets whether retries back off exponentially (delay x 2^(attempts-1) x a random factor).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool RetryBackoff { get; set; }

    /// <summary>Gets or sets the cap of an exponential backoff, in seconds; <see langword="null"/> for none.</summary>
    /// <value>The default is <see langword="null"/>. Only used when <see cref="RetryBackoff"/> is set.</value>
    public double? RetryBackoffCap { get; set; }

    /// <summary>Gets or sets the time before which the job does not run, in epoch seconds; 0 means now.</summary>
    /// <value>The default is 0.</value>
    public long Scheduled { get; set; }

    /// <summary>Gets or sets the progress reported by the function, from 0 to 1.</summary>
    /// <value>The default is 0.</value>
    public double Progress { get; set; }

    /// <summary>Gets or sets how many attempts have started.</summary>
    /// <value>The default is 0.</value>
    public int Attempts { get; set; }

    /// <summary>Gets or sets when the job finished, in epoch milliseconds; 0 until then.</summary>
    public long Completed { get; set; }

    /// <summary>Gets or sets when the job was enqueued, in epoch milliseconds.</summary>
    public long Queued { get; set; }

    /// <summary>Gets or sets when the current attempt started, in epoch milliseconds; 0 until then.</summary>
    public long Started { get; set; }

    /// <summary>Gets or sets when the job was last updated while running, in epoch milliseconds.</summary>
    public long Touched { get; set; }

    /// <summary>Gets or sets what the function returned, as JSON.</summary>
    public JsonElement? Result { get; set; }

    /// <summary>Gets or sets the error text (with the stack trace) of the last failed attempt.</summary>
    public string? Error { get; set; }

    /// <summary>Gets or sets the job's status.</summary>
    /// <value>The default is <see cref="JobStatus.New"/>.</value>
    public JobStatus Status { get; set; } = JobStatus.New;

    /// <summary>Gets or sets the priority; only the PostgreSQL backend uses it (lowest first), Redis ignores it.</summary>
    public int Priority { get; set; }

    /// <summary>Gets or sets the group key; only the PostgreSQL backend uses it (one running job per group), Redis ignores it.</summary>
    public string? GroupKey { get; set; }

    /// <summary>Gets the free metadata of the job (trace context, for example).</summary>
    public Dictionary<string, JsonElement> Meta { get; private set; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the id of the worker that took the job last.</summary>
    public string? WorkerId { get; set; }

    /// <summary>Gets whether another attempt may start after this one.</summary>
    public bool Retryable => Retries > Attempts;

    /// <summary>Gets when the job was enqueued, or <see langword="null"/>.</summary>
    public DateTimeOffset? QueuedAt => FromMs(Queued);

    /// <summary>Gets when the current attempt started, or <see langword="null"/>.</summary>
    public DateTimeOffset? StartedAt => FromMs(Started);

    /// <summary>Gets when the job finished, or <see langword="null"/>.</summary>
    public DateTimeOffset? CompletedAt => FromMs(Completed);

    /// <summary>Gets when the job was last touched, or <see langword="null"/>.</summary>
    public DateTimeOffset? TouchedAt => FromMs(Touched);

    /// <summary>Gets when the job may run, or <see langword="null"/> when it may run now.</summary>
    public DateTimeOffset? ScheduledAt => Scheduled > 0 ? DateTimeOffset.FromUnixTimeSeconds(Scheduled) : null;

    /// <summary>Gets fields of the document that this version does not know; they are written back unchanged.</summary>
    internal Dictionary<string, JsonElement>? UnknownFields { get; set; }

    /// <summary>Returns a deep copy of this job.</summary>
    /// <returns>A new instance with the same values.</returns>
    public Job Clone()
    {
        var copy = (Job)MemberwiseClone();
        copy.Meta = new Dictionary<string, JsonElement>(Meta, StringComparer.Ordinal);
        copy.UnknownFields = UnknownFields is null ? null : new Dictionary<string, JsonElement>(UnknownFields, StringComparer.Ordinal);
        return copy;
    }

    /// <summary>Returns a short description for logs: the key, function and status.</summary>
    /// <returns>A text such as <c>Job add (1234, active)</c>.</returns>
    public override string ToString() => $"Job {Function} ({Key}, {Status.ToWire()})";

    private static DateTimeOffset? FromMs(long ms) => ms > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
