using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;

namespace Errand.Testing;

/// <summary>An expected call of a service method, read from <c>s =&gt; s.Method(arg, Arg.Is&lt;T&gt;(...), default)</c>: its function name and one matcher per stored argument.</summary>
internal sealed class ServiceCall
{
    private readonly List<(string Name, Func<JsonElement?, bool> Matches, string Text)> _arguments = [];

    private ServiceCall(string function) => Function = function;

    public string Function { get; }

    /// <summary>Gets the expected arguments as text, for messages: <c>author: Arg.Is(a =&gt; ...)</c>.</summary>
    public string Describe() => string.Join(", ", _arguments.Select(a => $"{a.Name}: {a.Text}"));

    public bool Matches(Job job)
    {
        if (!string.Equals(job.Function, Function, StringComparison.Ordinal))
        {
            return false;
        }

        var kwargs = job.Kwargs is { ValueKind: JsonValueKind.Object } stored ? stored : (JsonElement?)null;
        return _arguments.All(a => a.Matches(kwargs is { } k && k.TryGetProperty(a.Name, out var value) ? value : null));
    }

    public static ServiceCall Read(LambdaExpression call, string serviceName, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(call);
        var body = call.Body;
        while (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } convert)
        {
            body = convert.Operand;
        }

        if (body is not MethodCallExpression method || method.Object != call.Parameters[0])
        {
            throw new ArgumentException($"The expression must call one method of the service directly, as in s => s.SendAsync(Arg.Any<T>()); got {call.Body}.", nameof(call));
        }

        var result = new ServiceCall($"{serviceName}.{method.Method.Name}");
        var parameters = method.Method.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            if (parameter.ParameterType == typeof(CancellationToken) || parameter.ParameterType == typeof(JobContext))
            {
                // Given by the worker, never stored: whatever the expression says is not compared.
                continue;
            }

            var name = json.PropertyNamingPolicy?.ConvertName(parameter.Name!) ?? parameter.Name!;
            result._arguments.Add(ReadArgument(name, parameter.ParameterType, method.Arguments[i], json));
        }

        return result;
    }

    private static (string, Func<JsonElement?, bool>, string) ReadArgument(string name, Type type, Expression argument, JsonSerializerOptions json)
    {
        if (argument is MethodCallExpression { Method: { DeclaringType: var declaring, IsGenericMethod: true } matcher } call && declaring == typeof(Arg))
        {
            if (matcher.Name == nameof(Arg.Any))
            {
                return (name, _ => true, "any");
            }

            var predicate = Expression.Lambda(call.Arguments[0]).Compile(preferInterpretation: true).DynamicInvoke()!;
            var bind = typeof(ServiceCall).GetMethod(nameof(BindAndTest), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(matcher.GetGenericArguments()[0]);
            return (name, value => (bool)bind.Invoke(null, [value, predicate, json])!, $"Arg.Is({call.Arguments[0]})");
        }

        var expected = Expression.Lambda<Func<object?>>(Expression.Convert(argument, typeof(object))).Compile(preferInterpretation: true)();
        var element = JsonSerializer.SerializeToElement(expected, type, json);
        return (name, value => value is { } stored ? JsonElement.DeepEquals(stored, element) : element.ValueKind == JsonValueKind.Null, element.GetRawText());
    }

    private static bool BindAndTest<T>(JsonElement? value, Func<T, bool> predicate, JsonSerializerOptions json)
    {
        T bound;
        try
        {
            bound = value is { } stored ? stored.Deserialize<T>(json)! : default!;
        }
        catch (JsonException)
        {
            // A stored value that does not bind to the parameter's type matches nothing.
            return false;
        }

        return predicate(bound);
    }
}
