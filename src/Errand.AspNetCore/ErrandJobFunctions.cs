using System.Text.Json;
using Errand.AspNetCore.JobServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Errand.AspNetCore;

/// <summary>Builds the functions an application's workers run: every job service method (in a new DI scope per job) and the functions of <c>AddFunctions</c>.</summary>
/// <remarks>One place for the hosted worker and for whatever else runs the application's jobs (Errand.Testing's manual worker).</remarks>
internal sealed class ErrandJobFunctions(
    JobServiceRegistry registry,
    IEnumerable<ErrandFunctionsSetup> functionSetups,
    IServiceProvider services,
    IServiceScopeFactory scopes,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Errand.AspNetCore");

    /// <summary>Gets the job services, by type.</summary>
    public JobServiceRegistry Registry => registry;

    /// <summary>Returns a new set of the application's functions (each worker gets its own).</summary>
    public JobFunctions Build()
    {
        var functions = new JobFunctions();
        foreach (var service in registry.Services)
        {
            foreach (var method in service.Methods)
            {
                functions.Add(method.FunctionName, (job, context, json) => RunInScopeAsync(method, job, context, json));
            }
        }

        foreach (var setup in functionSetups)
        {
            setup.Configure(functions, services);
        }

        return functions;
    }

    private async Task<JsonElement?> RunInScopeAsync(JobMethod method, Job job, JobContext context, JsonSerializerOptions json)
    {
        var arguments = method.BindArguments(job, context, json);
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            ErrandLog.ServiceJobStarting(_logger, job.Key, method.Service.Name, method.Name);
            var service = scope.ServiceProvider.GetRequiredService(method.Service.Type);
            return await method.InvokeAsync(service, arguments, json).ConfigureAwait(false);
        }
    }
}
