using System.Diagnostics;
using System.Text;

namespace Errand.Postgres.Tests;

/// <summary>A real worker process on a PostgreSQL queue: Errand.Postgres.Tests.Worker, started with <c>dotnet</c>.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Gets what the process has printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static WorkerProcess Start(string url, string queue)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerDll());
        start.ArgumentList.Add(url);
        start.ArgumentList.Add(queue);
        return new WorkerProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Kills the process with SIGKILL: no shutdown, no cleanup, as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static string WorkerDll()
    {
        // artifacts/bin/Errand.Postgres.Tests/<config>/ -> artifacts/bin/Errand.Postgres.Tests.Worker/<config>/Errand.Postgres.Tests.Worker.dll
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(here.Parent!.Parent!.FullName, "Errand.Postgres.Tests.Worker", here.Name, "Errand.Postgres.Tests.Worker.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build tests/Errand.Postgres.Tests.Worker first (the test project references it).", path);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
