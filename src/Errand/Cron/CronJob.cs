using Cronos;

namespace Errand.Cron;

/// <summary>A function a worker enqueues on a cron schedule.</summary>
/// <remarks>Expressions have 5 fields (minute precision) or 6 (with seconds first), as parsed by Cronos.</remarks>
public sealed record CronJob
{
    /// <summary>Initializes a cron job for <paramref name="function"/> on <paramref name="expression"/>.</summary>
    /// <param name="function">The registered function name.</param>
    /// <param name="expression">A 5-field or 6-field (seconds first) cron expression.</param>
    /// <exception cref="ArgumentException">The expression cannot be parsed.</exception>
    public CronJob(string function, string expression)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentException.ThrowIfNullOrEmpty(expression);
        Function = function;
        Expression = expression;
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            Schedule = CronExpression.Parse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            throw new ArgumentException($"Cron expression '{expression}' of job '{function}' is not valid: {ex.Message}", nameof(expression), ex);
        }
    }

    /// <summary>Gets the registered function name.</summary>
    public string Function { get; }

    /// <summary>Gets the cron expression.</summary>
    public string Expression { get; }

    /// <summary>Gets the name of this schedule, used in the job key <c>cron:NAME</c>.</summary>
    /// <value>The default is the function name.</value>
    public string Name { get => field ?? Function; init; }

    /// <summary>Gets the time zone the expression is read in.</summary>
    /// <value>The default is UTC.</value>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Gets whether at most one job of this schedule exists at a time (key <c>cron:NAME</c>).</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Unique { get; init; } = true;

    /// <summary>Gets the arguments of every job, or <see langword="null"/>.</summary>
    public object? Kwargs { get; init; }

    /// <summary>Gets the options of every job (timeout, retries, ...); the key and schedule are set by the cron job.</summary>
    public JobOptions? Options { get; init; }

    internal CronExpression Schedule { get; }

    /// <summary>Returns the first occurrence strictly after <paramref name="after"/>, or <see langword="null"/> when there is none.</summary>
    /// <param name="after">The time to start from.</param>
    /// <returns>The next occurrence.</returns>
    public DateTimeOffset? NextOccurrence(DateTimeOffset after) => Schedule.GetNextOccurrence(after, TimeZone);
}
