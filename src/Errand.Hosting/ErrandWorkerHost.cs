using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using Errand.Dashboard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Errand.Hosting;

/// <summary>Gives a worker program SAQ's command line in one call: <c>return await ErrandWorkerHost.RunAsync(args, worker => ...);</c></summary>
/// <remarks>
/// <para>Options: <c>--url</c>, <c>--queue</c>, <c>--concurrency</c>, <c>--workers N</c> (N supervised processes of the
/// same program), <c>--web [--port P] [--bind A]</c> (the dashboard, on loopback port 8080 by default), <c>--check</c> (exit 0 when the queue has a live worker, else 1), <c>-v</c>/<c>-vv</c>.</para>
/// <para>Configuration comes from <c>appsettings.json</c> and environment variables, as in any .NET host:
/// <c>Errand:Url</c>, <c>Errand:Queue</c>, <c>Errand:Worker:Concurrency</c> and the section <c>Errand:Worker</c>
/// (<see cref="WorkerOptions"/>), and <c>Errand:Dashboard</c> (<see cref="ErrandDashboardOptions"/>: basic credentials,
/// read-only, title); the command line wins over them.</para>
/// <para>Exit codes: 0 done (including after SIGTERM/SIGINT), 1 the check found no live worker or the worker failed,
/// 2 the command line or the settings are not valid.</para>
/// </remarks>
public static class ErrandWorkerHost
{
    /// <summary>The exit code of a command line or settings that are not valid.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Parses <paramref name="args"/> and runs the worker, the worker group or the check they ask for.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="configure">Registers the functions (and services) of the worker.</param>
    /// <param name="cancellationToken">Stops the program as SIGTERM would.</param>
    /// <returns>The exit code for the program to return.</returns>
    public static async Task<int> RunAsync(string[] args, Action<ErrandWorkerBuilder> configure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configure);
        var commandLine = new WorkerCommandLine("An Errand worker: takes jobs from a queue and runs them.");

        // The host handles SIGINT/SIGTERM itself (graceful shutdown); System.CommandLine must not cut it short.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        var parsed = commandLine.Root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is ParseErrorAction)
        {
            foreach (var error in parsed.Errors)
            {
                await invocation.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            }

            await invocation.Error.WriteLineAsync("Run with --help for the options.").ConfigureAwait(false);
            return UsageExitCode;
        }

        commandLine.Root.SetAction((result, token) => RunParsedAsync(args, commandLine.Read(result), configure, token));
        return await parsed.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> RunParsedAsync(string[] args, WorkerCommandLine.Values values, Action<ErrandWorkerBuilder> configure, CancellationToken cancellationToken)
    {
        var hostBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings());
        hostBuilder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        ApplyVerbosity(hostBuilder.Logging, values.Verbosity);

        // "Application started. Press Ctrl+C to shut down." once per process is noise in a worker group; -v brings it back.
        hostBuilder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = values.Verbosity == 0);
        var builder = new ErrandWorkerBuilder(hostBuilder);
        configure(builder);

        WorkerSettings settings;
        try
        {
            settings = WorkerSettings.Resolve(values, builder);
            if (settings.Url is null && (values.Check || values.Workers > 1))
            {
                throw new ArgumentException("--check and --workers need a queue that other processes share (Redis, PostgreSQL): pass --url or set Errand:Url.");
            }
        }
        catch (ArgumentException ex)
        {
            using var host = hostBuilder.Build();
            var logger = Logger(host);
            HostingLog.InvalidSettings(logger, ex.Message);
            return UsageExitCode;
        }

        if (values.Check)
        {
            using var host = hostBuilder.Build();
            return await CheckAsync(settings, host.Services.GetRequiredService<ILoggerFactory>(), cancellationToken).ConfigureAwait(false);
        }

        if (values.Workers > 1)
        {
            using var host = hostBuilder.Build();
            var loggerFactory = host.Services.GetRequiredService<ILoggerFactory>();
            var opened = await OpenedQueue.OpenAsync(settings.Url, settings.Queue, builder.QueueOptions, loggerFactory, cancellationToken).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                var web = values.Web ? await StartDashboardAsync(opened.Queue, values, builder, loggerFactory, cancellationToken).ConfigureAwait(false) : null;
                if (values.Web && web is null)
                {
                    return UsageExitCode;
                }

                try
                {
                    return await SuperviseAsync(args, values.Workers, settings, opened.Endpoint, Logger(host), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (web is not null)
                    {
                        await web.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }

        var run = new WorkerRun(settings, builder.Functions, builder.QueueOptions);
        hostBuilder.Services.AddSingleton(run);
        hostBuilder.Services.AddHostedService<WorkerService>();
        hostBuilder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Worker.ShutdownGracePeriod + TimeSpan.FromSeconds(15));
        using (var host = hostBuilder.Build())
        {
            var loggerFactory = host.Services.GetRequiredService<ILoggerFactory>();
            var opened = await OpenedQueue.OpenAsync(settings.Url, settings.Queue, builder.QueueOptions, loggerFactory, cancellationToken).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                run.Queue = opened.Queue;
                var web = values.Web ? await StartDashboardAsync(opened.Queue, values, builder, loggerFactory, cancellationToken).ConfigureAwait(false) : null;
                if (values.Web && web is null)
                {
                    return UsageExitCode;
                }

                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                SupervisorWatch.CancelWhenGone(stop, loggerFactory.CreateLogger(typeof(ErrandWorkerHost)));
                try
                {
                    await host.RunAsync(stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    if (web is not null)
                    {
                        await web.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
        }

        return run.ExitCode;
    }

    private static async Task<ErrandDashboardServer?> StartDashboardAsync(Queue queue, WorkerCommandLine.Values values, ErrandWorkerBuilder builder, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(typeof(ErrandWorkerHost));
        var options = new ErrandDashboardOptions();
        builder.Configuration.GetSection("Errand:Dashboard").Bind(options);
        options.Queues.Add(queue);
        try
        {
            var server = await ErrandDashboardServer.StartAsync(options, values.Bind, values.Port, cancellationToken).ConfigureAwait(false);
            HostingLog.DashboardServing(logger, queue.Name, server.Url);
            return server;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
        {
            var reason = $"the dashboard cannot start: {ex.Message}";
            HostingLog.InvalidSettings(logger, reason);
            return null;
        }
    }

    private static async Task<int> CheckAsync(WorkerSettings settings, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger(typeof(ErrandWorkerHost));
        try
        {
            var opened = await OpenedQueue.OpenAsync(settings.Url, settings.Queue, null, loggerFactory, cancellationToken).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                var workers = await opened.Queue.Backend.GetWorkersAsync(cancellationToken).ConfigureAwait(false);
                if (workers.Count == 0)
                {
                    HostingLog.CheckUnhealthy(logger, settings.Queue);
                    return 1;
                }

                HostingLog.CheckHealthy(logger, settings.Queue, workers.Count);
                return 0;
            }
        }
        catch (BackendUnavailableException ex)
        {
            HostingLog.CheckUnavailable(logger, ex, settings.Queue);
            return 1;
        }
    }

    private static async Task<int> SuperviseAsync(string[] args, int count, WorkerSettings settings, string endpoint, ILogger logger, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            // Keep the parent alive: it exits once every child has stopped.
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigquit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);
        HostingLog.WorkerGroupStarting(logger, count, settings.Queue, endpoint);
        var supervisor = new WorkerSupervisor(
            ChildCommand.ForCurrentProcess(args),
            count,
            settings.Worker.ShutdownGracePeriod + TimeSpan.FromSeconds(30),
            logger,
            TimeProvider.System);
        await supervisor.RunAsync(stop.Token).ConfigureAwait(false);
        return 0;
    }

    private static ILogger Logger(IHost host) => host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ErrandWorkerHost));

    private static void ApplyVerbosity(ILoggingBuilder logging, int verbosity)
    {
        if (verbosity >= 2)
        {
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddFilter(category: null, LogLevel.Debug);
            logging.AddFilter("Microsoft", LogLevel.Debug);
            logging.AddFilter("System", LogLevel.Debug);
            logging.AddFilter("Errand", LogLevel.Trace);
        }
        else if (verbosity == 1)
        {
            logging.AddFilter("Errand", LogLevel.Debug);
        }
    }
}
