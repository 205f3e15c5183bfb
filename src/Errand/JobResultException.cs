namespace Errand;

/// <summary>Thrown when what a function returned cannot be stored as JSON.</summary>
public sealed class JobResultException : ErrandException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="function">The function name.</param>
    /// <param name="resultType">The type of the value returned.</param>
    /// <param name="innerException">The serializer's exception.</param>
    public JobResultException(string function, Type resultType, Exception innerException)
        : base($"The result of function '{function}' (type {resultType.FullName}) cannot be serialized to JSON: {innerException?.Message}", innerException)
    {
        Function = function;
        ResultType = resultType;
    }

    /// <summary>Gets the function name.</summary>
    public string Function { get; }

    /// <summary>Gets the type of the value returned.</summary>
    public Type ResultType { get; }
}
