using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Errand.Hosting;

/// <summary>Describes a worker program to <see cref="ErrandWorkerHost"/>: its functions, its services and its worker options.</summary>
/// <remarks>Configured once, on the thread that calls <see cref="ErrandWorkerHost.RunAsync(string[], Action{ErrandWorkerBuilder}, CancellationToken)"/>; not safe for concurrent use.</remarks>
public sealed class ErrandWorkerBuilder
{
    private readonly HostApplicationBuilder _host;
    private readonly List<Action<WorkerOptions>> _configureWorker = [];

    internal ErrandWorkerBuilder(HostApplicationBuilder host)
    {
        _host = host;
    }

    /// <summary>Gets the program's configuration: <c>appsettings.json</c>, <c>appsettings.{Environment}.json</c> and environment variables, as in any .NET host.</summary>
    public IConfigurationManager Configuration => _host.Configuration;

    /// <summary>Gets the host environment (its name comes from <c>DOTNET_ENVIRONMENT</c>).</summary>
    public IHostEnvironment Environment => _host.Environment;

    /// <summary>Gets the services handed to job functions through <see cref="JobContext.Services"/>.</summary>
    public IServiceCollection Services => _host.Services;

    /// <summary>Gets the functions the worker runs; register every one here.</summary>
    public JobFunctions Functions { get; } = new();

    /// <summary>Gets the queue options (job defaults and JSON options).</summary>
    public QueueOptions QueueOptions { get; } = new();

    /// <summary>Adds a change to the worker options, applied after the configuration section <c>Errand:Worker</c> and before the command line.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public ErrandWorkerBuilder ConfigureWorker(Action<WorkerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configureWorker.Add(configure);
        return this;
    }

    internal void ApplyWorkerOptions(WorkerOptions options)
    {
        foreach (var configure in _configureWorker)
        {
            configure(options);
        }
    }
}
