using Errand.Backends;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Errand.AspNetCore.Tests;

internal static class TestHosts
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Builds (not starts) a generic host with Errand, the greeting service and settings from <paramref name="settings"/>.</summary>
    public static IHost Build(Dictionary<string, string?>? settings = null, Action<IErrandBuilder>? errand = null, Action<IServiceCollection>? services = null, Signals? signals = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Errand:Worker:ScheduleInterval"] = "00:00:00.050",
            ["Errand:Worker:AbortCheckInterval"] = "00:00:00.100",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Logging.AddFilter(_ => false);
        builder.Services.AddSingleton(signals ?? new Signals());
        builder.Services.AddScoped<ScopeProbe>();
        var errandBuilder = builder.Services.AddErrand().UseRedis().AddJobService<GreetingService>();
        errand?.Invoke(errandBuilder);
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>Finds the job of <paramref name="function"/> enqueued last, and waits for it to finish.</summary>
    public static async Task<Job> WaitForFunctionAsync(IQueue queue, string function)
    {
        var page = await queue.ListJobsAsync(new JobQuery(null, 0, 1000));
        var job = page.Jobs.Where(j => j.Function == function).OrderByDescending(j => j.Queued).First();
        return await queue.WaitAsync(job.Key, Timeout);
    }
}
