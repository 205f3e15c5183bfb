namespace Errand.AspNetCore.JobServices;

/// <summary>One call of <c>AddJobService</c>, kept in the service collection until the registry is built.</summary>
internal sealed record JobServiceRegistration(Type ServiceType, string ServiceName, IReadOnlyDictionary<string, JobOptions> MethodDefaults);
