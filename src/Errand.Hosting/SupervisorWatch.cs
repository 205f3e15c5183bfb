using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Errand.Hosting;

/// <summary>Stops a worker process whose supervisor is gone (killed with SIGKILL, say), instead of leaving it orphaned.</summary>
internal static class SupervisorWatch
{
    /// <summary>Cancels <paramref name="stop"/> when the supervisor named by <c>ERRAND_SUPERVISOR_PID</c> exits; does nothing in a process started otherwise.</summary>
    public static void CancelWhenGone(CancellationTokenSource stop, ILogger logger)
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(ChildCommand.SupervisorVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        Process supervisor;
        try
        {
            supervisor = Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            HostingLog.SupervisorGone(logger, pid);
            stop.Cancel();
            return;
        }

        _ = WaitAsync(supervisor, pid, stop, logger);
    }

    private static async Task WaitAsync(Process supervisor, int pid, CancellationTokenSource stop, ILogger logger)
    {
        using (supervisor)
        {
            try
            {
                await supervisor.WaitForExitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        HostingLog.SupervisorGone(logger, pid);
        try
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
