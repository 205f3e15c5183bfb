using System.Text.Json;

namespace Errand;

/// <summary>Builds the text of Errand's exceptions in one place, so that messages stay alike.</summary>
internal static class ErrandErrors
{
    public static string UnknownFunctionMessage(string function, IReadOnlyList<string> registered) =>
        registered.Count == 0
            ? $"Unknown job function '{function}': this worker has no functions registered."
            : $"Unknown job function '{function}'. Registered functions: {string.Join(", ", registered)}.";

    public static string ArgumentsMessage(string function, Type argumentType, string? jsonPath, Exception? inner) =>
        $"The arguments of job function '{function}' do not bind to {argumentType.Name}" +
        (jsonPath is null ? string.Empty : $" at {jsonPath}") +
        (inner is null ? "." : $": {inner.Message}");

    public static JobArgumentsException Arguments(string function, Type argumentType, Exception inner) =>
        new(function, argumentType, (inner as JsonException)?.Path, inner);

    public static ArgumentException OptionOutOfRange(string name, object value, string bound) =>
        new($"Job option {name} is {value}; it must be {bound}.", name);
}
