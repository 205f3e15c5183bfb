namespace Errand;

/// <summary>Stored as the error of a job that ran longer than its timeout.</summary>
public sealed class JobTimeoutException : TimeoutException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="function">The function name.</param>
    /// <param name="timeoutSeconds">The job's timeout, in seconds.</param>
    public JobTimeoutException(string function, int timeoutSeconds)
        : base($"Job function '{function}' exceeded its timeout of {timeoutSeconds} s and was cancelled.")
    {
        Function = function;
        TimeoutSeconds = timeoutSeconds;
    }

    /// <summary>Gets the function name.</summary>
    public string Function { get; }

    /// <summary>Gets the timeout that was exceeded, in seconds.</summary>
    public int TimeoutSeconds { get; }
}
