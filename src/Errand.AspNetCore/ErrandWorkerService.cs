using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Errand.AspNetCore;

/// <summary>Runs one <see cref="Worker"/> per queue inside the host, started and stopped with it.</summary>
/// <remarks>
/// The grace period follows the host's shutdown timeout, so that a job still running when it ends is handed back to
/// the queue (retried as <c>cancelled</c>) before the host gives up, rather than being left for the sweeper.
/// </remarks>
internal sealed class ErrandWorkerService(
    ErrandQueues queues,
    ErrandJobFunctions jobFunctions,
    IServiceProvider services,
    IServiceProviderIsService isService,
    IOptions<ErrandOptions> options,
    IOptions<HostOptions> hostOptions,
    TimeProvider time,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Errand.AspNetCore");
    private readonly List<Worker> _workers = [];

    /// <summary>Gets the workers, once started.</summary>
    public IReadOnlyList<Worker> Workers => _workers;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Startup that must block (and fail the host) happens here; ExecuteAsync only runs the workers. The queues are
        // created (and Redis connected) even without a worker, so that no request waits for it.
        await queues.InitializeAsync(cancellationToken).ConfigureAwait(false);
        var settings = options.Value;
        if (!settings.RunWorker)
        {
            ErrandLog.WorkerDisabled(_logger);
            return;
        }

        var shutdownTimeout = hostOptions.Value.ShutdownTimeout;
        var grace = GracePeriod(settings.Worker.ShutdownGracePeriod, shutdownTimeout);
        foreach (var service in jobFunctions.Registry.Services.Where(s => !isService.IsService(s.Type)))
        {
            throw new InvalidOperationException($"Job service {service.Type.FullName} is not registered in the service container; register it so that the worker can create it.");
        }

        foreach (var name in queues.Names)
        {
            var queue = queues.GetQueue(name);
            var functions = jobFunctions.Build();
            var concurrency = settings.Queues.TryGetValue(name, out var queueSettings) ? queueSettings.Concurrency ?? settings.Worker.Concurrency : settings.Worker.Concurrency;
            var workerOptions = WorkerOptionsFor(settings.Worker, concurrency, grace);
            foreach (var cronJob in settings.CronJobsOf(name))
            {
                workerOptions.CronJobs.Add(cronJob);
            }

            _workers.Add(new Worker(queue, functions, workerOptions, time, loggerFactory, services));
        }

        var names = string.Join(", ", queues.Names);
        ErrandLog.WorkerHostStarting(_logger, names, grace, shutdownTimeout);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }

        base.Dispose();
    }

    internal TimeSpan GracePeriod(TimeSpan wanted, TimeSpan shutdownTimeout)
    {
        if (shutdownTimeout == Timeout.InfiniteTimeSpan)
        {
            return wanted;
        }

        // Keep time after the grace period for the cut-off jobs to be handed back: a quarter of the timeout, at most 5 s.
        var reserve = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, shutdownTimeout.Ticks / 4));
        var fits = shutdownTimeout - reserve;
        if (wanted > fits)
        {
            ErrandLog.GracePeriodShortened(_logger, wanted, shutdownTimeout, fits);
            return fits;
        }

        return wanted;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_workers.Select(worker => worker.RunAsync(stoppingToken)));

    private static WorkerOptions WorkerOptionsFor(WorkerOptions settings, int concurrency, TimeSpan grace)
    {
        // One worker per queue: each gets its own copy (worker ids are per worker), with the queue's concurrency.
        var options = new WorkerOptions
        {
            Concurrency = concurrency,
            ShutdownGracePeriod = grace,
            DequeueWait = settings.DequeueWait,
            ScheduleInterval = settings.ScheduleInterval,
            SweepInterval = settings.SweepInterval,
            AbortCheckInterval = settings.AbortCheckInterval,
            WorkerInfoInterval = settings.WorkerInfoInterval,
            Burst = settings.Burst,
            MaxBurstJobs = settings.MaxBurstJobs,
        };
        foreach (var (key, value) in settings.Metadata)
        {
            options.Metadata[key] = value;
        }

        return options;
    }
}
