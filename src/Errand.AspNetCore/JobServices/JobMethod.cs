using System.Reflection;
using System.Text.Json;

namespace Errand.AspNetCore.JobServices;

/// <summary>One public method of a job service: its function name, how its arguments are checked, stored, bound and passed.</summary>
internal sealed class JobMethod
{
    private readonly MethodInfo _method;
    private readonly JobParameter[] _parameters;
    private readonly PropertyInfo? _resultProperty;

    public JobMethod(JobService service, MethodInfo method, JobOptions? configured)
    {
        Service = service;
        _method = method;
        FunctionName = $"{service.Name}.{method.Name}";
        var attribute = method.GetCustomAttribute<JobAttribute>()?.ToJobOptions();
        Defaults = configured is null ? attribute : configured.WithDefaults(attribute);
        IsJob = attribute is not null || configured is not null;
        // NullabilityInfoContext is not safe for concurrent use: one per method, used here only.
        var nullability = new NullabilityInfoContext();
        _parameters = [.. method.GetParameters().Select(p => new JobParameter(p, nullability))];
        var returns = method.ReturnType;
        if (returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            _resultProperty = typeof(Task<>).MakeGenericType(returns.GetGenericArguments()[0]).GetProperty(nameof(Task<int>.Result));
        }
        else if (returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>))
        {
            _resultProperty = returns.GetProperty(nameof(Task<int>.Result));
        }
    }

    public JobService Service { get; }

    public string Name => _method.Name;

    public string FunctionName { get; }

    /// <summary>Gets whether the method opted in to run as a job: it has a <see cref="JobAttribute"/> or an entry in <see cref="JobServiceOptions.Methods"/>.</summary>
    public bool IsJob { get; }

    /// <summary>Gets the options set for the method in <see cref="JobServiceOptions.Methods"/> over its <see cref="JobAttribute"/>, or <see langword="null"/>.</summary>
    public JobOptions? Defaults { get; }

    /// <summary>Checks named arguments against the parameters and returns the job's kwargs, keyed by the names the queue writes.</summary>
    /// <exception cref="ArgumentException">An argument is missing, unknown, or of the wrong type.</exception>
    public Dictionary<string, JsonElement> BuildKwargs(object? args, JsonSerializerOptions json)
    {
        var supplied = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (args is not null)
        {
            var element = JsonSerializer.SerializeToElement(args, args.GetType(), json);
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"The arguments of {FunctionName} must be an object with one property per parameter, not {element.ValueKind}.", nameof(args));
            }

            foreach (var property in element.EnumerateObject())
            {
                var parameter = Find(property.Name)
                    ?? throw new ArgumentException($"{FunctionName} has no parameter '{property.Name}'. Parameters: {ParameterList()}.", nameof(args));
                if (!supplied.TryAdd(parameter.Name, property.Value))
                {
                    throw new ArgumentException($"The parameter '{parameter.Name}' of {FunctionName} is given twice.", nameof(args));
                }
            }
        }

        return Check(supplied, json);
    }

    /// <summary>Checks argument values given by parameter name (from an expression) and returns the job's kwargs.</summary>
    public Dictionary<string, JsonElement> BuildKwargs(IReadOnlyList<(string Name, object? Value)> args, JsonSerializerOptions json)
    {
        var supplied = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, value) in args)
        {
            var parameter = _parameters.First(p => p.Name == name);
            supplied[name] = JsonSerializer.SerializeToElement(value, parameter.Type, json);
        }

        return Check(supplied, json);
    }

    /// <summary>Binds a job's kwargs to the method's parameters, adding the token and the context where asked for.</summary>
    /// <exception cref="JobArgumentsException">An argument is missing or does not bind.</exception>
    public object?[] BindArguments(Job job, JobContext context, JsonSerializerOptions json)
    {
        var values = new object?[_parameters.Length];
        var kwargs = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (job.Kwargs is { ValueKind: JsonValueKind.Object } given)
        {
            foreach (var property in given.EnumerateObject())
            {
                if (Find(property.Name) is { } parameter)
                {
                    kwargs[parameter.Name] = property.Value;
                }
            }
        }

        for (var i = 0; i < _parameters.Length; i++)
        {
            var parameter = _parameters[i];
            values[i] = parameter.Kind switch
            {
                JobParameterKind.CancellationToken => context.CancellationToken,
                JobParameterKind.Context => context,
                _ when kwargs.TryGetValue(parameter.Name, out var value) => Deserialize(parameter, value, json),
                _ when parameter.Info.HasDefaultValue => parameter.Info.DefaultValue,
                _ => throw new JobArgumentsException(FunctionName, parameter.Type, "$." + parameter.JsonName(json), new JsonException($"The argument '{parameter.JsonName(json)}' is missing.")),
            };
        }

        return values;
    }

    /// <summary>Calls the method on <paramref name="service"/> and returns what it returned, as JSON.</summary>
    public async Task<JsonElement?> InvokeAsync(object service, object?[] arguments, JsonSerializerOptions json)
    {
        var returned = _method.Invoke(service, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
        object? result = returned;
        switch (returned)
        {
            case Task task:
                await task.ConfigureAwait(false);
                result = _resultProperty?.GetValue(task);
                break;
            case ValueTask valueTask:
                await valueTask.ConfigureAwait(false);
                result = null;
                break;
            case not null when _method.ReturnType.IsGenericType && _method.ReturnType.GetGenericTypeDefinition() == typeof(ValueTask<>):
                var asTask = (Task)_method.ReturnType.GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(returned, null)!;
                await asTask.ConfigureAwait(false);
                result = _resultProperty!.GetValue(asTask);
                break;
        }

        if (result is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.SerializeToElement(result, result.GetType(), json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new JobResultException(FunctionName, result.GetType(), ex);
        }
    }

    private Dictionary<string, JsonElement> Check(Dictionary<string, JsonElement> supplied, JsonSerializerOptions json)
    {
        var kwargs = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var parameter in _parameters)
        {
            if (parameter.Kind != JobParameterKind.Value)
            {
                if (supplied.ContainsKey(parameter.Name))
                {
                    throw new ArgumentException($"The parameter '{parameter.Name}' of {FunctionName} is given by the worker ({parameter.Type.Name}); do not pass it.");
                }

                continue;
            }

            if (!supplied.TryGetValue(parameter.Name, out var value))
            {
                if (parameter.Info.HasDefaultValue)
                {
                    continue;
                }

                throw new ArgumentException($"The argument '{parameter.Name}' ({parameter.Type.Name}) of {FunctionName} is missing. Parameters: {ParameterList()}.");
            }

            try
            {
                Deserialize(parameter, value, json);
            }
            catch (JobArgumentsException ex)
            {
                throw new ArgumentException($"The argument '{parameter.Name}' of {FunctionName} does not fit its type {parameter.Type.Name}: {ex.InnerException?.Message}", ex);
            }

            kwargs[parameter.JsonName(json)] = value;
        }

        return kwargs;
    }

    private object? Deserialize(JobParameter parameter, JsonElement value, JsonSerializerOptions json)
    {
        try
        {
            var bound = value.Deserialize(parameter.Type, json);
            if (bound is null && !parameter.AcceptsNull)
            {
                throw new JsonException($"The argument '{parameter.JsonName(json)}' is null, and the parameter does not accept null.");
            }

            return bound;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            var path = "$." + parameter.JsonName(json) + ((ex as JsonException)?.Path?.TrimStart('$') ?? string.Empty);
            throw new JobArgumentsException(FunctionName, parameter.Type, path, ex);
        }
    }

    private JobParameter? Find(string name)
    {
        var wanted = JobParameter.Normalize(name);
        return Array.Find(_parameters, p => string.Equals(p.NormalizedName, wanted, StringComparison.Ordinal));
    }

    private string ParameterList() =>
        string.Join(", ", _parameters.Where(p => p.Kind == JobParameterKind.Value).Select(p => $"{p.Type.Name} {p.Name}{(p.Info.HasDefaultValue ? " (optional)" : string.Empty)}"));
}
