using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Errand.Hosting;

/// <summary>Runs one <see cref="Worker"/> for the life of the host; a shutdown of the host is the worker's graceful shutdown.</summary>
internal sealed class WorkerService(WorkerRun run, ILoggerFactory loggerFactory, IServiceProvider services, IHostApplicationLifetime lifetime)
    : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<WorkerService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = run.Settings;
        try
        {
            var queue = run.Queue ?? throw new InvalidOperationException("The worker's queue was not opened before the host ran.");
            using var worker = new Worker(queue, run.Functions, settings.Worker, loggerFactory: loggerFactory, services: services);
            await worker.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            HostingLog.WorkerFailed(_logger, ex, settings.Queue);
            run.ExitCode = 1;
        }

        // A burst worker ends by itself; so does a failed one: either way the program is done.
        lifetime.StopApplication();
    }
}
