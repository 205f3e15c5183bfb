namespace Errand;

/// <summary>Limits the jobs of one function, or of each group key, across every worker of a queue: how many run at once and how many start per period.</summary>
/// <remarks>
/// Enforced by the store (<see cref="Backends.IQueueBackend.DequeueAsync"/>), never by one process: a job over a limit
/// is held back without taking a worker slot, and jobs of other functions and keys are taken past it.
/// </remarks>
public sealed class Limit
{
    /// <summary>Gets or sets the most jobs running at once; <see langword="null"/> for no such limit.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public int? Concurrency { get; set; }

    /// <summary>Gets or sets the most jobs started in any span of <see cref="Period"/> (a sliding window); <see langword="null"/> for no such limit.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public int? Rate { get; set; }

    /// <summary>Gets or sets the span that <see cref="Rate"/> counts starts over.</summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets whether this limit limits anything.</summary>
    public bool IsSet => Concurrency is not null || Rate is not null;

    /// <summary>Throws when a value is out of range, naming it and its bound.</summary>
    /// <param name="name">What the limit is of, for the message.</param>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate(string name)
    {
        if (Concurrency is < 1)
        {
            throw new ArgumentException($"Limit {name}: Concurrency is {Concurrency}; it must be at least 1.", nameof(name));
        }

        if (Rate is < 1)
        {
            throw new ArgumentException($"Limit {name}: Rate is {Rate}; it must be at least 1.", nameof(name));
        }

        if (Period < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentException($"Limit {name}: Period is {Period}; it must be at least 1 ms.", nameof(name));
        }
    }
}
