using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Errand.Hosting;

/// <summary>Sends SIGTERM to a process: .NET's <see cref="Process"/> can only kill (SIGKILL).</summary>
internal static partial class ProcessSignals
{
    private const int SigTerm = 15;

    /// <summary>Asks <paramref name="process"/> to stop gracefully; on Windows, where there is no SIGTERM, it is killed.</summary>
    public static void Terminate(Process process)
    {
        if (OperatingSystem.IsWindows())
        {
            process.Kill(entireProcessTree: true);
            return;
        }

        // ESRCH (already gone) is fine: the caller waits for the exit either way.
        _ = SysKill(process.Id, SigTerm);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
