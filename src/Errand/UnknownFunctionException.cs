namespace Errand;

/// <summary>Thrown when a job names a function that the worker has not registered.</summary>
public sealed class UnknownFunctionException : ErrandException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="function">The name the job asked for.</param>
    /// <param name="registered">The names the worker knows.</param>
    public UnknownFunctionException(string function, IReadOnlyList<string> registered)
        : base(ErrandErrors.UnknownFunctionMessage(function, registered))
    {
        Function = function;
        Registered = registered;
    }

    /// <summary>Gets the function name the job asked for.</summary>
    public string Function { get; }

    /// <summary>Gets the function names the worker has registered.</summary>
    public IReadOnlyList<string> Registered { get; }
}
