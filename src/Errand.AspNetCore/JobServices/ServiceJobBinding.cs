using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Errand.AspNetCore.JobServices;

/// <summary>What a queue created by <c>AddErrand</c> needs to enqueue calls of service methods: the job services of its container.</summary>
/// <remarks>Attached to the queue object itself, so the user holds a plain <see cref="IQueue"/>.</remarks>
internal sealed class ServiceJobBinding(Queue queue, JobServiceRegistry registry, IServiceProviderIsService isService)
{
    private static readonly ConditionalWeakTable<IQueue, ServiceJobBinding> Bindings = [];

    public Queue Queue { get; } = queue;

    public static void Attach(Queue queue, JobServiceRegistry registry, IServiceProviderIsService isService) =>
        Bindings.AddOrUpdate(queue, new ServiceJobBinding(queue, registry, isService));

    public static ServiceJobBinding Of(IQueue queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return Bindings.TryGetValue(queue, out var binding)
            ? binding
            : throw new InvalidOperationException(
                $"Queue '{queue.Name}' was not created by AddErrand (or added with AddQueue), so it knows no job services; enqueue service methods through the IQueue or IQueueProvider that dependency injection gives.");
    }

    public Job CreateJob(JobMethod method, Dictionary<string, JsonElement> kwargs, JobOptions? options) =>
        Queue.CreateJob(method.FunctionName, kwargs, (options ?? new JobOptions()).WithDefaults(method.Defaults));

    public JsonSerializerOptions JsonOptions => Queue.JsonOptions;

    public JobService Resolve<TService>()
    {
        var service = registry.Get(typeof(TService));
        if (!isService.IsService(typeof(TService)))
        {
            throw new InvalidOperationException(
                $"{typeof(TService).FullName} is a job service but is not registered in the service container, so no worker could create it; register it (for example services.AddScoped<{typeof(TService).Name}>()).");
        }

        return service;
    }
}
