using System.Text.Json;

namespace Errand;

/// <summary>The functions a worker can run, by name, with typed arguments and results.</summary>
/// <remarks>
/// Arguments bind from the job's <c>kwargs</c> with the queue's JSON options (snake_case names bind to PascalCase
/// properties); results are stored as JSON. Register everything before the worker starts; not safe for concurrent registration.
/// </remarks>
public sealed class JobFunctions
{
    private readonly Dictionary<string, JobFunction> _functions = new(StringComparer.Ordinal);

    /// <summary>Gets the registered names, in order of registration.</summary>
    public IReadOnlyList<string> Names => [.. _functions.Keys];

    /// <summary>Registers a function with typed arguments and a typed result.</summary>
    /// <typeparam name="TArgs">The type the job's kwargs bind to.</typeparam>
    /// <typeparam name="TResult">The type of the result.</typeparam>
    /// <param name="name">The function name jobs refer to.</param>
    /// <param name="handler">The function.</param>
    /// <returns>This instance.</returns>
    public JobFunctions Add<TArgs, TResult>(string name, Func<TArgs, JobContext, Task<TResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(name, async (job, context, json) =>
        {
            var args = Bind<TArgs>(job, json);
            var result = await handler(args, context).ConfigureAwait(false);
            return Store(job, result, json);
        });
    }

    /// <summary>Registers a function with typed arguments and no result.</summary>
    /// <typeparam name="TArgs">The type the job's kwargs bind to.</typeparam>
    /// <param name="name">The function name jobs refer to.</param>
    /// <param name="handler">The function.</param>
    /// <returns>This instance.</returns>
    public JobFunctions Add<TArgs>(string name, Func<TArgs, JobContext, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(name, async (job, context, json) =>
        {
            await handler(Bind<TArgs>(job, json), context).ConfigureAwait(false);
            return null;
        });
    }

    /// <summary>Registers a function that takes no arguments and returns a typed result.</summary>
    /// <typeparam name="TResult">The type of the result.</typeparam>
    /// <param name="name">The function name jobs refer to.</param>
    /// <param name="handler">The function.</param>
    /// <returns>This instance.</returns>
    public JobFunctions Add<TResult>(string name, Func<JobContext, Task<TResult>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(name, async (job, context, json) => Store(job, await handler(context).ConfigureAwait(false), json));
    }

    /// <summary>Registers a function that takes no arguments and returns nothing.</summary>
    /// <param name="name">The function name jobs refer to.</param>
    /// <param name="handler">The function.</param>
    /// <returns>This instance.</returns>
    public JobFunctions Add(string name, Func<JobContext, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(name, async (_, context, _) =>
        {
            await handler(context).ConfigureAwait(false);
            return null;
        });
    }

    /// <summary>Registers a function given as a raw invoker over the job; used by integrations that bind arguments themselves.</summary>
    /// <param name="name">The function name jobs refer to.</param>
    /// <param name="invoke">Runs the job and returns its JSON result, or <see langword="null"/>.</param>
    /// <returns>This instance.</returns>
    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public JobFunctions Add(string name, Func<Job, JobContext, JsonSerializerOptions, Task<JsonElement?>> invoke)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(invoke);
        if (!_functions.TryAdd(name, new JobFunction(name, invoke)))
        {
            throw new ArgumentException($"A job function named '{name}' is already registered.", nameof(name));
        }

        return this;
    }

    /// <summary>Returns whether a function is registered under <paramref name="name"/>.</summary>
    /// <param name="name">The function name.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    public bool Contains(string name) => _functions.ContainsKey(name);

    internal JobFunction Get(string name) =>
        _functions.TryGetValue(name, out var function) ? function : throw new UnknownFunctionException(name, Names);

    private static TArgs Bind<TArgs>(Job job, JsonSerializerOptions json)
    {
        if (typeof(TArgs) == typeof(JsonElement?))
        {
            return (TArgs)(object?)job.Kwargs!;
        }

        if (typeof(TArgs) == typeof(JsonElement))
        {
            return (TArgs)(object)(job.Kwargs ?? EmptyObject);
        }

        try
        {
            var args = (job.Kwargs ?? EmptyObject).Deserialize<TArgs>(json);
            return args ?? throw new JsonException("The arguments are null.", "$", null, null);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw ErrandErrors.Arguments(job.Function, typeof(TArgs), ex);
        }
    }

    private static JsonElement? Store<TResult>(Job job, TResult result, JsonSerializerOptions json)
    {
        if (result is null)
        {
            return null;
        }

        try
        {
            return result is JsonElement element ? element : JsonSerializer.SerializeToElement(result, result.GetType(), json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new JobResultException(job.Function, result.GetType(), ex);
        }
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;
}
