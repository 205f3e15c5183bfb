using Errand.AspNetCore;
using Errand.Backends;
using Errand.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Turns an application's Errand registration into one a test drives: in-memory queues on a fake clock, no hosted worker, an <see cref="ErrandTester"/> to run jobs and assert what was enqueued.</summary>
public static class ErrandTestingServiceCollectionExtensions
{
    /// <summary>Replaces the application's queues with in-memory ones on a new <see cref="FakeTimeProvider"/> and its hosted worker with an <see cref="ErrandTester"/>, keeping its job services and functions.</summary>
    /// <param name="services">The application's services, after its own registrations (in a <c>WebApplicationFactory</c>: inside <c>ConfigureTestServices</c>).</param>
    /// <returns>The services.</returns>
    /// <remarks>See <see cref="AddErrandTesting(IServiceCollection, FakeTimeProvider)"/>; the clock starts at <see cref="FakeTimeProvider"/>'s default start (2000-01-01 UTC).</remarks>
    public static IServiceCollection AddErrandTesting(this IServiceCollection services) => services.AddErrandTesting(new FakeTimeProvider());

    /// <summary>Replaces the application's queues with in-memory ones on <paramref name="clock"/> and its hosted worker with an <see cref="ErrandTester"/>, keeping its job services and functions.</summary>
    /// <param name="services">The application's services, after its own registrations (in a <c>WebApplicationFactory</c>: inside <c>ConfigureTestServices</c>).</param>
    /// <param name="clock">The clock: registered as the application's <see cref="TimeProvider"/> and as <see cref="FakeTimeProvider"/>.</param>
    /// <returns>The services.</returns>
    /// <remarks>
    /// What changes: <c>Errand:Url</c> and <c>UseRedis(url)</c>/<c>UsePostgres(url)</c> are ignored (every configured
    /// queue is kept in memory; a queue given to <c>AddQueue</c> stays as given), <c>Errand:RunWorker</c> is off (no
    /// job runs until the test asks), and <see cref="TimeProvider"/> is <paramref name="clock"/>. Resolve
    /// <see cref="ErrandTester"/> to run and assert the default queue's jobs; it runs the functions the hosted worker
    /// would (job service methods in a new DI scope each, and those of <c>AddFunctions</c>).
    /// </remarks>
    public static IServiceCollection AddErrandTesting(this IServiceCollection services, FakeTimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(clock);
        services.AddErrand();
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(clock);
        services.RemoveAll<FakeTimeProvider>();
        services.AddSingleton(clock);
        services.RemoveAll<QueueStoreSelection>();
        services.PostConfigure<ErrandOptions>(o =>
        {
            o.Url = null;
            o.RunWorker = false;
        });
        services.RemoveAll<ErrandTester>();
        services.AddSingleton(sp =>
        {
            var functions = sp.GetRequiredService<ErrandJobFunctions>();
            var options = new ErrandTesterOptions { Clock = clock, Services = sp, LoggerFactory = sp.GetService<ILoggerFactory>() };
            var settings = sp.GetRequiredService<IOptions<ErrandOptions>>().Value;
            foreach (var cronJob in settings.CronJobsOf(settings.Queue))
            {
                // The app's cron jobs of the default queue: AdvanceAsync runs their occurrences.
                options.CronJobs.Add(cronJob);
            }

            return new ErrandTester(sp.GetRequiredService<Errand.IQueueProvider>().Default, functions.Build(), options, functions.Registry);
        });
        return services;
    }
}
