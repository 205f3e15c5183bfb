namespace Errand;

/// <summary>Thrown when a job's arguments (<c>kwargs</c>) do not bind to the function's argument type.</summary>
public sealed class JobArgumentsException : ErrandException
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="function">The function name.</param>
    /// <param name="argumentType">The type the arguments should bind to.</param>
    /// <param name="jsonPath">The JSON path of the first value that did not bind, when known.</param>
    /// <param name="innerException">The serializer's exception.</param>
    public JobArgumentsException(string function, Type argumentType, string? jsonPath, Exception? innerException)
        : base(ErrandErrors.ArgumentsMessage(function, argumentType, jsonPath, innerException), innerException)
    {
        Function = function;
        ArgumentType = argumentType;
        JsonPath = jsonPath;
    }

    /// <summary>Gets the function name.</summary>
    public string Function { get; }

    /// <summary>Gets the type the arguments should bind to.</summary>
    public Type ArgumentType { get; }

    /// <summary>Gets the JSON path of the value that did not bind, such as <c>$.a</c>, when known.</summary>
    public string? JsonPath { get; }
}
