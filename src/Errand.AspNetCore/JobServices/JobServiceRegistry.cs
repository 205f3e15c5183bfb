using System.Reflection;

namespace Errand.AspNetCore.JobServices;

/// <summary>The services whose methods run as jobs, with their stable names and methods.</summary>
internal sealed class JobServiceRegistry
{
    private readonly Dictionary<Type, JobService> _byType = [];

    public JobServiceRegistry(IEnumerable<JobServiceRegistration> registrations)
    {
        var names = new Dictionary<string, Type>(StringComparer.Ordinal);
        // AddJobService called again for a type replaces its name and method options.
        foreach (var registration in registrations.GroupBy(r => r.ServiceType).Select(g => g.Last()))
        {
            if (names.TryGetValue(registration.ServiceName, out var other))
            {
                throw new InvalidOperationException(
                    $"Job services {other.FullName} and {registration.ServiceType.FullName} both have the name '{registration.ServiceName}'; give one another ServiceName.");
            }

            names[registration.ServiceName] = registration.ServiceType;
            _byType[registration.ServiceType] = new JobService(registration.ServiceType, registration.ServiceName, registration.MethodDefaults);
        }
    }

    public IEnumerable<JobService> Services => _byType.Values;

    public JobService Get(Type serviceType) =>
        _byType.TryGetValue(serviceType, out var service)
            ? service
            : throw new InvalidOperationException(
                $"{serviceType.FullName} is not registered as a job service; call AddErrand().AddJobService<{serviceType.Name}>() at startup.");
}

/// <summary>One service whose opted-in public methods run as jobs.</summary>
internal sealed class JobService
{
    private readonly Dictionary<string, JobMethod[]> _methods;

    public JobService(Type type, string name, IReadOnlyDictionary<string, JobOptions> methodDefaults)
    {
        Type = type;
        Name = name;
        _methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.DeclaringType != typeof(object) && !m.IsSpecialName && !m.IsGenericMethodDefinition)
            .GroupBy(m => m.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(m => new JobMethod(this, m, methodDefaults.GetValueOrDefault(m.Name))).ToArray(), StringComparer.Ordinal);
        foreach (var method in methodDefaults.Keys.Where(m => !_methods.ContainsKey(m)))
        {
            throw new InvalidOperationException($"Job options are set for {type.FullName}.{method}, which is not a public method of it.");
        }
    }

    public Type Type { get; }

    public string Name { get; }

    /// <summary>Gets the methods that run as jobs: public, not overloaded, opted in.</summary>
    /// <remarks>Anyone who can enqueue (the errand command, a Python SAQ client, a retry) can call a function by name: a public method of the service that did not opt in (a CreateAsync behind an API's validation) must not be one.</remarks>
    public IEnumerable<JobMethod> Methods => _methods.Values.Where(m => m.Length == 1 && m[0].IsJob).Select(m => m[0]);

    public JobMethod GetMethod(string methodName)
    {
        ArgumentException.ThrowIfNullOrEmpty(methodName);
        if (!_methods.TryGetValue(methodName, out var methods))
        {
            var hidden = Type.GetMethod(methodName, BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public) is not null;
            var known = string.Join(", ", _methods.Keys.Order(StringComparer.Ordinal));
            throw new ArgumentException(
                hidden
                    ? $"{Type.FullName}.{methodName} is not a public instance method; only public instance methods run as jobs. Public methods: {known}."
                    : $"{Type.FullName} has no method '{methodName}'. Public methods: {known}.",
                nameof(methodName));
        }

        if (methods.Length != 1)
        {
            throw new ArgumentException($"{Type.FullName}.{methodName} is overloaded; a job method needs a name of its own.", nameof(methodName));
        }

        return methods[0].IsJob
            ? methods[0]
            : throw new InvalidOperationException(
                $"{methods[0].FunctionName} is not a job: only methods marked [Job] or listed in AddJobService<{Type.Name}>(o => o.Methods[\"{methodName}\"] = new JobOptions()) "
                + $"run as jobs, so that whoever can enqueue cannot call the service's other public methods. Jobs of {Type.Name}: {JobList()}.");
    }

    private string JobList() => string.Join(", ", Methods.Select(m => m.Name).Order(StringComparer.Ordinal)) is { Length: > 0 } list ? list : "none";
}
