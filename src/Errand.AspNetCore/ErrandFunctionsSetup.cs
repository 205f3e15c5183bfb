namespace Errand.AspNetCore;

/// <summary>Functions registered with <c>AddFunctions</c>, added to every queue's worker.</summary>
internal sealed record ErrandFunctionsSetup(Action<JobFunctions, IServiceProvider> Configure);
