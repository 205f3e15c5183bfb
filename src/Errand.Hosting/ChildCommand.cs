using System.Diagnostics;
using System.Globalization;

namespace Errand.Hosting;

/// <summary>How to start one more process of the running program: its executable (or <c>dotnet</c> and its dll) and arguments.</summary>
internal sealed record ChildCommand(string FileName, IReadOnlyList<string> Arguments)
{
    public const string IndexVariable = "ERRAND_WORKER_INDEX";

    /// <summary>The variable that tells a worker process the pid of its supervisor, so that it stops when the supervisor is gone.</summary>
    public const string SupervisorVariable = "ERRAND_SUPERVISOR_PID";

    /// <summary>Returns the command of this program with <paramref name="args"/>, minus <c>--workers</c> and the dashboard's options.</summary>
    public static ChildCommand ForCurrentProcess(IReadOnlyList<string> args)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown, so --workers cannot start more of it.");
        var childArgs = WorkerCommandLine.ChildArguments(args);
        var isDotnetHost = string.Equals(Path.GetFileNameWithoutExtension(path), "dotnet", StringComparison.OrdinalIgnoreCase);

        // Under "dotnet app.dll" the process is the dotnet host; the first command-line argument is the app's dll.
        return isDotnetHost
            ? new ChildCommand(path, [Environment.GetCommandLineArgs()[0], .. childArgs])
            : new ChildCommand(path, childArgs);
    }

    public ProcessStartInfo StartInfo(int index)
    {
        var info = new ProcessStartInfo(FileName) { UseShellExecute = false };
        foreach (var argument in Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[IndexVariable] = index.ToString(CultureInfo.InvariantCulture);
        info.Environment[SupervisorVariable] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return info;
    }
}
