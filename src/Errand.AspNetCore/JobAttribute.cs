namespace Errand.AspNetCore;

/// <summary>Makes one service method a background job and sets its job options; options passed with a call override them.</summary>
/// <remarks>A public method of a job service without it (and not listed in <see cref="JobServiceOptions.Methods"/>) is not a job: it cannot be enqueued, and a worker refuses it.</remarks>
/// <remarks>Times are in seconds, as SAQ stores them. A property left unset takes the queue's default.</remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class JobAttribute : Attribute
{
    private double? _timeout;
    private double? _heartbeat;
    private int? _retries;
    private double? _ttl;
    private double? _retryDelay;
    private bool? _retryBackoff;
    private double? _retryBackoffCap;

    /// <summary>Gets or sets the longest run in seconds; 0 for none.</summary>
    /// <value>The default is unset (the queue's default, 10 seconds).</value>
    public double Timeout { get => _timeout ?? double.NaN; set => _timeout = value; }

    /// <summary>Gets or sets the longest time in seconds a running job may go without an update; 0 turns it off.</summary>
    /// <value>The default is unset (off).</value>
    public double Heartbeat { get => _heartbeat ?? double.NaN; set => _heartbeat = value; }

    /// <summary>Gets or sets the most attempts in all; 1 means no retry.</summary>
    /// <value>The default is unset (1).</value>
    public int Retries { get => _retries ?? 0; set => _retries = value; }

    /// <summary>Gets or sets how long in seconds a finished job is kept.</summary>
    /// <value>The default is unset (600 seconds).</value>
    public double Ttl { get => _ttl ?? double.NaN; set => _ttl = value; }

    /// <summary>Gets or sets the delay before a retry in seconds (the base delay with <see cref="RetryBackoff"/>).</summary>
    /// <value>The default is unset (no delay).</value>
    public double RetryDelay { get => _retryDelay ?? double.NaN; set => _retryDelay = value; }

    /// <summary>Gets or sets whether retries back off exponentially.</summary>
    /// <value>The default is unset (no backoff).</value>
    public bool RetryBackoff { get => _retryBackoff ?? false; set => _retryBackoff = value; }

    /// <summary>Gets or sets the cap of the exponential backoff in seconds.</summary>
    /// <value>The default is unset (no cap).</value>
    public double RetryBackoffCap { get => _retryBackoffCap ?? double.NaN; set => _retryBackoffCap = value; }

    /// <summary>Returns the options this attribute sets.</summary>
    /// <returns>The options; unset ones are <see langword="null"/>.</returns>
    public JobOptions ToJobOptions() => new()
    {
        Timeout = Seconds(_timeout),
        Heartbeat = Seconds(_heartbeat),
        Retries = _retries,
        Ttl = Seconds(_ttl),
        RetryDelay = Seconds(_retryDelay),
        RetryBackoff = _retryBackoff,
        RetryBackoffCap = Seconds(_retryBackoffCap),
    };

    private static TimeSpan? Seconds(double? value) => value is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
}
