using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Errand.Hosting;

/// <summary>Runs N worker processes of the same program: restarts a crashed one with backoff, passes shutdown on to all.</summary>
/// <remarks>
/// A child that exits with code 0 on its own (a burst worker) is not restarted. On shutdown every child gets SIGTERM,
/// finishes or hands back its running jobs, and is killed only if it has not exited after <see cref="StopTimeout"/>.
/// </remarks>
internal sealed class WorkerSupervisor
{
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(30);
    private readonly ChildCommand _command;
    private readonly int _count;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public WorkerSupervisor(ChildCommand command, int count, TimeSpan stopTimeout, ILogger logger, TimeProvider time)
    {
        _command = command;
        _count = count;
        StopTimeout = stopTimeout;
        _logger = logger;
        _time = time;
    }

    public TimeSpan StopTimeout { get; }

    /// <summary>Runs the group until <paramref name="stoppingToken"/> fires and every child has exited, or until every child has exited cleanly.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var stopping = stoppingToken.Register(() => HostingLog.WorkerGroupStopping(_logger, _count));
        var slots = Enumerable.Range(1, _count).Select(index => SuperviseAsync(index, stoppingToken)).ToArray();
        await Task.WhenAll(slots).ConfigureAwait(false);
    }

    public static TimeSpan Backoff(int crashes) =>
        TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, Math.Min(crashes - 1, 10))));

    private async Task SuperviseAsync(int index, CancellationToken stoppingToken)
    {
        var crashes = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            using var process = Process.Start(_command.StartInfo(index)) ?? throw new InvalidOperationException($"Worker process {index} did not start.");
            var startedAt = _time.GetTimestamp();
            HostingLog.WorkerProcessStarted(_logger, index, process.Id);
            try
            {
                await process.WaitForExitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await StopAsync(index, process).ConfigureAwait(false);
                return;
            }

            if (process.ExitCode == 0)
            {
                HostingLog.WorkerProcessExited(_logger, index, process.Id, 0);
                return;
            }

            crashes = _time.GetElapsedTime(startedAt) > StableAfter ? 1 : crashes + 1;
            var delay = Backoff(crashes);
            HostingLog.WorkerProcessCrashed(_logger, index, process.Id, process.ExitCode, delay);
            try
            {
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task StopAsync(int index, Process process)
    {
        if (!process.HasExited)
        {
            ProcessSignals.Terminate(process);
        }

        using var deadline = new CancellationTokenSource(StopTimeout, _time);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            HostingLog.WorkerProcessKilled(_logger, index, process.Id, StopTimeout);
            return;
        }

        HostingLog.WorkerProcessExited(_logger, index, process.Id, process.ExitCode);
    }
}
