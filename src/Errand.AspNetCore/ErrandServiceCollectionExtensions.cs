using Errand;
using Errand.AspNetCore;
using Errand.AspNetCore.JobServices;
using Errand.Backends;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Errand to an application: queues, the in-process worker and service-object jobs.</summary>
public static class ErrandServiceCollectionExtensions
{
    /// <summary>Adds Errand's queues and in-process worker, with options bound from the configuration section <c>Errand</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes the options after they are bound, or <see langword="null"/>.</param>
    /// <returns>A builder to add job services and queues; calling <c>AddErrand</c> again adds nothing twice.</returns>
    /// <remarks>
    /// With no URL every queue is kept in memory (said once in the log); a backend package stores them elsewhere
    /// (<c>.UseRedis(url)</c>, <c>.UsePostgres(url)</c>, or <c>Errand:Url</c> of a scheme they registered). The worker runs
    /// in the host unless <c>Errand:RunWorker</c> is <see langword="false"/>; its grace period is shortened to fit the
    /// host's shutdown timeout.
    /// </remarks>
    public static IErrandBuilder AddErrand(this IServiceCollection services, Action<ErrandOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ErrandOptions>();
        if (!services.Any(d => d.ServiceType == typeof(ErrandQueues)))
        {
            options.BindConfiguration(ErrandOptions.SectionName).Validate(ValidOptions).ValidateOnStart();
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton(sp => new QueueStoreSchemes(sp.GetServices<IQueueStoreProvider>()));
            services.TryAddSingleton(sp => new JobServiceRegistry(sp.GetServices<JobServiceRegistration>()));
            services.TryAddSingleton<ErrandJobFunctions>();
            services.TryAddSingleton<ErrandQueues>();
            services.TryAddSingleton<IQueueProvider>(sp => sp.GetRequiredService<ErrandQueues>());
            services.TryAddSingleton(sp => sp.GetRequiredService<IQueueProvider>().Default);
            services.AddHostedService<ErrandWorkerService>();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        return new ErrandBuilder(services);
    }

    /// <summary>Lets <typeparamref name="TService"/>'s opted-in public methods (marked <see cref="JobAttribute"/>, or listed in <see cref="JobServiceOptions.Methods"/>) run as jobs; the function names are its stable name, a dot and the method name.</summary>
    /// <typeparam name="TService">The service; a class is added to the container as scoped when it is not there yet.</typeparam>
    /// <param name="builder">The Errand builder.</param>
    /// <param name="configure">Sets the stable service name, or <see langword="null"/> for the type's full name.</param>
    /// <returns>The builder.</returns>
    public static IErrandBuilder AddJobService<TService>(this IErrandBuilder builder, Action<JobServiceOptions>? configure = null)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new JobServiceOptions();
        configure?.Invoke(options);
        var name = string.IsNullOrWhiteSpace(options.ServiceName) ? typeof(TService).FullName! : options.ServiceName;
        builder.Services.AddSingleton(new JobServiceRegistration(typeof(TService), name, new Dictionary<string, JobOptions>(options.Methods, StringComparer.Ordinal)));
        if (!typeof(TService).IsInterface && !typeof(TService).IsAbstract)
        {
            builder.Services.TryAddScoped<TService>();
        }

        return builder;
    }

    /// <summary>Adds a queue the application built itself; Errand uses it under its name and does not dispose it.</summary>
    /// <param name="builder">The Errand builder.</param>
    /// <param name="queue">The queue.</param>
    /// <returns>The builder.</returns>
    public static IErrandBuilder AddQueue(this IErrandBuilder builder, Queue queue)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(queue);
        builder.Services.AddSingleton(new ExternalQueue(queue));
        return builder;
    }

    /// <summary>Adds plain job functions (by name, with typed arguments) to the worker of every queue.</summary>
    /// <param name="builder">The Errand builder.</param>
    /// <param name="configure">Registers the functions; it gets the root service provider.</param>
    /// <returns>The builder.</returns>
    public static IErrandBuilder AddFunctions(this IErrandBuilder builder, Action<JobFunctions, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddSingleton(new ErrandFunctionsSetup(configure));
        return builder;
    }

    /// <summary>Adds a cron job: the in-process worker of its queue enqueues its function on its schedule (one run per occurrence across every worker of the queue).</summary>
    /// <param name="builder">The Errand builder.</param>
    /// <param name="cronJob">The cron job; its function must be registered (<c>AddFunctions</c>, or a service method's name such as <c>Authors.AuthorService.CleanupAsync</c>).</param>
    /// <param name="queue">The queue it is enqueued to, or <see langword="null"/> for the default queue.</param>
    /// <returns>The builder.</returns>
    /// <remarks>Processes with <c>Errand:RunWorker=false</c> do not schedule it.</remarks>
    public static IErrandBuilder AddCronJob(this IErrandBuilder builder, Errand.Cron.CronJob cronJob, string? queue = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(cronJob);
        builder.Services.Configure<ErrandOptions>(options => options.CronJobs.Add((queue, cronJob)));
        return builder;
    }

    private static bool ValidOptions(ErrandOptions options)
    {
        options.Validate();
        return true;
    }
}
